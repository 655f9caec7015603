#pragma once
// JIT symbol map written by runtimes (/tmp/perf-PID.map: "START SIZE name" per line, hex numbers),
// as produced by node --perf-basic-prof and python -X perf. Read incrementally as it grows.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace agentprof::symbolizer {

struct PerfMapEntry {
  uint64_t start = 0;
  uint64_t size = 0;
  std::string name;
};

// One line, without its newline. nullopt for malformed lines or zero sizes.
std::optional<PerfMapEntry> parse_perf_map_line(std::string_view line);

class PerfMap {
 public:
  struct Limits {
    size_t max_entries = 2'000'000;          // older entries are kept, newer ones counted as dropped
    uint64_t max_bytes = uint64_t{1} << 30;  // stop reading a runaway file here
  };
  explicit PerfMap(std::string path) : PerfMap(std::move(path), Limits{}) {}
  PerfMap(std::string path, Limits limits) : path_(std::move(path)), limits_(limits) {}

  // Reads whatever was appended since the last call (from the start if the file shrank, e.g. a new
  // process reused the pid). Returns false when the file cannot be opened.
  bool refresh();
  // Feeds file contents directly (parsing is incremental: a trailing partial line waits for more).
  void feed(std::string_view bytes);

  // Entry covering `address`; when code was re-jitted over an older range, the newer entry wins.
  const PerfMapEntry* find(uint64_t address) const;

  const std::string& path() const { return path_; }
  size_t entries() const { return by_start_.size(); }
  uint64_t malformed_lines() const { return malformed_; }
  uint64_t dropped_entries() const { return dropped_; }
  uint64_t bytes_read() const { return consumed_; }

 private:
  void insert(PerfMapEntry entry);

  std::string path_;
  Limits limits_;
  std::map<uint64_t, PerfMapEntry> by_start_;
  std::string partial_line_;  // bytes of a line whose newline has not been read yet
  bool skipping_line_ = false;
  uint64_t consumed_ = 0;
  uint64_t malformed_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace agentprof::symbolizer
