// On-disk cache of BoringSSL locator results, one small text file per binary key (build id), so a
// second start of the same executable skips the analysis. Stored through EntryFiles (checksummed,
// owner-checked, atomic); an entry from another format version is treated as absent.
#pragma once

#include <optional>
#include <string>

#include "attach/boringssl/boringssl_locator.h"
#include "attach/boringssl/entry_files.h"

namespace agentprof::boringssl {

class LocationCache {
 public:
  explicit LocationCache(std::string dir);

  std::optional<BoringSslLocation> load(const std::string& key) const;
  // Writes atomically (temporary file + rename); false when the directory is not writable.
  bool store(const std::string& key, const BoringSslLocation& loc) const;
  // Where the entry for `key` lives; empty when the key has characters we do not put in file names.
  std::string entry_path(const std::string& key) const;

 private:
  EntryFiles files_;
};

// Text form of an entry (exposed for tests): serialize then parse gives back the same fields.
std::string serialize_cache_entry(const std::string& key, const BoringSslLocation& loc);
std::optional<BoringSslLocation> parse_cache_entry(const std::string& key, const std::string& text);

}  // namespace agentprof::boringssl
