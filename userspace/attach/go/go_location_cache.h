// On-disk cache of Go crypto/tls locator results, one entry per binary key (go_binary_key), so the
// second start of the same Go program skips reading .gopclntab and decoding functions. Same rules
// as the BoringSSL cache (EntryFiles: checksummed, owner-checked, atomic); an entry from another
// format version, for another key or with inconsistent fields is treated as absent.
#pragma once

#include <optional>
#include <string>

#include "attach/boringssl/entry_files.h"
#include "attach/go/go_tls_locator.h"

namespace agentprof::gotls {

class GoLocationCache {
 public:
  explicit GoLocationCache(std::string dir);

  std::optional<GoTlsLocation> load(const std::string& key) const;
  bool store(const std::string& key, const GoTlsLocation& loc) const;
  std::string entry_path(const std::string& key) const { return files_.entry_path(key); }

 private:
  boringssl::EntryFiles files_;
};

// Text form of an entry (exposed for tests): serialize then parse gives back the same fields.
std::string serialize_go_cache_entry(const std::string& key, const GoTlsLocation& loc);
std::optional<GoTlsLocation> parse_go_cache_entry(const std::string& key, const std::string& text);

}  // namespace agentprof::gotls
