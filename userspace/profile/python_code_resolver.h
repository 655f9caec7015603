// Code object pointer -> (qualified name, file, first line), read from the live process with
// process_vm_readv and cached per (pid, pointer). A pointer whose object is no longer a code object
// (freed and reused since the sample) resolves to nothing instead of a wrong name.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "profile/python_offsets.h"

namespace agentprof::profile {

struct PythonCode {
  std::string name;
  std::string file;
  uint32_t first_line = 0;
  std::vector<uint8_t> line_table;  // co_linetable bytes; empty when unreadable
  uint64_t first_instr = 0;         // address of the first instruction (0: unknown)
  // Source line of the instruction at `instr` (a frame's last instruction); the first line when
  // the instruction or the table does not give one.
  uint32_t line_at(uint64_t instr) const;
};

// Reads bytes from another process. Replaceable in tests.
class MemoryReader {
 public:
  virtual ~MemoryReader() = default;
  virtual bool read(pid_t pid, uint64_t address, void* out, size_t size) = 0;
};

class ProcessMemoryReader final : public MemoryReader {
 public:
  bool read(pid_t pid, uint64_t address, void* out, size_t size) override;
};

struct PythonResolverStats {
  uint64_t resolved = 0;
  uint64_t cache_hits = 0;
  uint64_t failures = 0;  // unreadable memory, not a code object, malformed string
};

class PythonCodeResolver {
 public:
  explicit PythonCodeResolver(MemoryReader& memory, size_t max_cached = 1 << 16)
      : memory_(memory), max_cached_(max_cached) {}

  std::optional<PythonCode> resolve(pid_t pid, const PythonOffsets& offsets, uint64_t code_type_addr,
                                    uint64_t code_addr);
  void forget_process(pid_t pid);
  const PythonResolverStats& stats() const { return stats_; }

 private:
  std::optional<std::string> read_str(pid_t pid, const PythonOffsets& offsets, uint64_t str_addr);

  MemoryReader& memory_;
  size_t max_cached_;
  std::unordered_map<pid_t, std::unordered_map<uint64_t, PythonCode>> cache_;
  size_t cached_ = 0;
  size_t cached_bytes_ = 0;  // line tables held by the cache
  PythonResolverStats stats_;
};

}  // namespace agentprof::profile
