// One small checksummed text file per key in a cache directory, for the locators' results (BoringSSL
// and Go). Entries decide where probes go, so a file is read only when it is a regular file owned by
// us, writable by no one else, not oversized, and its checksum matches; it is written atomically
// (temporary file + rename). Anything else reads as absent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace agentprof::boringssl {

class EntryFiles {
 public:
  EntryFiles(std::string dir, size_t max_entry_bytes) : dir_(std::move(dir)), max_bytes_(max_entry_bytes) {}

  // Where the entry for `key` lives; empty when the key is empty, longer than kMaxKeyChars or has
  // characters other than [0-9a-z-] (keys never become paths outside the directory).
  std::string entry_path(const std::string& key) const;
  // The entry's body (checksum line removed and verified); nullopt when absent or untrusted.
  std::optional<std::string> load(const std::string& key) const;
  // Stores `body` with its checksum line; false when the directory cannot be created or written.
  bool store(const std::string& key, const std::string& body) const;

  static constexpr size_t kMaxKeyChars = 200;

 private:
  std::string dir_;
  size_t max_bytes_;
};

// `body` followed by "checksum 0x<fnv1a of body>\n"; the inverse returns the body when it matches.
std::string append_checksum(const std::string& body);
std::optional<std::string> strip_checksum(const std::string& text);

// Single-line form of free text (reasons), so one value never spills into the next line.
std::string one_line(std::string s);
// The lines of an entry body: `count` lines, the first equal to `magic`; nullopt otherwise.
std::optional<std::vector<std::string>> entry_lines(const std::string& body, const std::string& magic, size_t count);
// Line `i` is "name value": sets *value; false when the line has another name.
bool entry_field(const std::vector<std::string>& lines, size_t i, const std::string& name, std::string* value);
// Strict unsigned parse ("0x..." or decimal, the whole string): false on anything else.
bool parse_u64(const std::string& s, uint64_t* out);

}  // namespace agentprof::boringssl
