#pragma once
// Executable mappings of a process, parsed from /proc/PID/maps text.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace agentprof::symbolizer {

struct Mapping {
  uint64_t start = 0;
  uint64_t end = 0;       // exclusive
  uint64_t offset = 0;    // file offset of `start`
  uint32_t dev_major = 0;
  uint32_t dev_minor = 0;
  uint64_t inode = 0;     // 0 for anonymous mappings
  std::string path;       // without the " (deleted)" suffix; "" for anonymous, "[vdso]" etc. for specials
  bool deleted = false;   // the file was unlinked or replaced after mapping ("(deleted)" suffix)

  bool file_backed() const { return inode != 0 && !path.empty() && path[0] == '/'; }
};

struct MapsParseResult {
  std::vector<Mapping> mappings;  // executable mappings only, sorted by start, non-overlapping
  size_t malformed_lines = 0;     // counted, never guessed at
};

MapsParseResult parse_maps(std::string_view text);

// Index of the mapping containing `address` in a sorted mapping list, or -1.
long find_mapping(const std::vector<Mapping>& mappings, uint64_t address);

}  // namespace agentprof::symbolizer
