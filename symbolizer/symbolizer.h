#pragma once
// Symbolizer: turns sampled stack addresses into frames (function, module, offset).
//   user stacks:   /proc/PID/maps (cached per pid) -> ELF module (build-id cache shared by all
//                  processes) -> symbol; JIT code through /tmp/perf-PID.map
//   kernel stacks: /proc/kallsyms
// Not thread-safe: use one Symbolizer per thread (the loaded modules are immutable and could be
// shared, the per-process caches are not).
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "symbolizer/debug_file_locator.h"
#include "symbolizer/frame.h"
#include "symbolizer/kernel_symbols.h"
#include "symbolizer/module_cache.h"
#include "symbolizer/perf_map.h"
#include "symbolizer/process_maps.h"

namespace agentprof::symbolizer {

struct SymbolizerOptions {
  std::string proc_dir = "/proc";
  std::string kallsyms_path = "/proc/kallsyms";
  DebugFileLocator debug_files;
  size_t max_processes = 4096;  // per-pid caches beyond this evict the least recently used
  size_t max_modules = 1024;
  // A lookup miss re-reads /proc/PID/maps (new dlopen) or the perf map (new JIT code), at most this
  // often per process, so stacks full of garbage addresses cannot turn into a re-read storm.
  std::chrono::milliseconds min_reread_interval{200};
  // Kernel: a miss reloads kallsyms (a module was loaded) at most this often.
  std::chrono::milliseconds min_kallsyms_reload_interval{10'000};
  // Fill Frame::file / Frame::line from DWARF line tables when the binary has them (slower: the
  // DWARF index of each module is built on first use).
  bool source_lines = false;
};

struct SymbolizerStats {
  uint64_t frames = 0;
  uint64_t unknown_frames = 0;
  uint64_t maps_reads = 0;
  uint64_t maps_read_failures = 0;
  uint64_t maps_malformed_lines = 0;
  uint64_t perf_map_reads = 0;
  uint64_t module_open_failures = 0;  // file gone and no map_files entry, not ELF, ...
  uint64_t processes_evicted = 0;
  uint64_t kallsyms_loads = 0;
};

class Symbolizer {
 public:
  explicit Symbolizer(SymbolizerOptions options = {});
  ~Symbolizer();

  // One frame per address, same order. `first` says whether addresses[0] is the sampled instruction
  // pointer (looked up as is) or a return address; all later addresses are return addresses and are
  // looked up at address - 1 (reported `address` stays the original).
  std::vector<Frame> symbolize(pid_t pid, std::span<const uint64_t> addresses,
                               FirstAddress first = FirstAddress::kInstructionPointer);
  std::vector<Frame> symbolize_kernel(std::span<const uint64_t> addresses,
                                      FirstAddress first = FirstAddress::kInstructionPointer);
  // Addresses that are ELF virtual addresses of `path` (no process involved; used by tests/tools).
  std::vector<Frame> symbolize_file(const std::string& path, std::span<const uint64_t> vaddrs);

  // The process exec'ed: its mappings are stale. forget_process: it exited (frees its caches).
  void invalidate_process(pid_t pid);
  void forget_process(pid_t pid);
  // Reloads /proc/kallsyms now. False (see kernel_problem()) when no kernel symbols are readable.
  bool refresh_kernel_symbols();
  const std::string& kernel_problem() const { return kernel_.problem(); }

  const SymbolizerStats& stats() const { return stats_; }
  const ModuleCacheStats& module_stats() const { return modules_.stats(); }

 private:
  struct ProcessState;
  struct MappingState;
  using Clock = std::chrono::steady_clock;

  ProcessState& process(pid_t pid);
  bool read_maps(ProcessState& state);
  void resolve_module(ProcessState& state, MappingState& slot, const Mapping& mapping);
  bool lookup_perf_map(pid_t pid, ProcessState& state, uint64_t address, Frame& frame);
  const ElfModule* vdso_module();
  void symbolize_one(pid_t pid, ProcessState& state, uint64_t lookup_address, Frame& frame);

  SymbolizerOptions options_;
  ModuleCache modules_;
  std::unordered_map<pid_t, std::unique_ptr<ProcessState>> processes_;
  uint64_t use_clock_ = 0;  // logical time for least-recently-used eviction
  // The vDSO is the same image in every process of this kernel: read once from our own memory.
  std::shared_ptr<const ElfModule> vdso_;
  bool vdso_tried_ = false;
  KernelSymbols kernel_;
  bool kernel_loaded_ = false;
  Clock::time_point kernel_loaded_at_{};
  SymbolizerStats stats_;
};

}  // namespace agentprof::symbolizer
