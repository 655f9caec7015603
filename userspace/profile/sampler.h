// CPU sampler: starts per-CPU sampling of the scoped processes, periodically drains the kernel's
// aggregated counts, symbolizes (native, kernel, JIT perf maps, Python frames) and accumulates a
// Profile. collect() is cheap enough to call every second (flame) or every few seconds (serve at 19 Hz).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>

#include "capture/bpf_loader.h"
#include "profile/cpu_activity_split.h"
#include "profile/profile.h"
#include "profile/profile_bpf.h"
#include "profile/python_code_resolver.h"
#include "profile/python_process.h"
#include "symbolizer/symbolizer.h"

namespace agentprof::profile {

struct SamplerOptions {
  ScopeFilter scope;
  uint32_t frequency_hz = 99;
  bool python_frames = true;
  // Sample only processes given to add_target() later (`serve` without a scope: the processes that
  // made LLM calls), even while scope.pids is empty.
  bool targets_added_later = false;
};

inline constexpr uint32_t kDefaultFlameFrequencyHz = 99;
inline constexpr uint32_t kContinuousFrequencyHz = 19;  // `serve`: low enough to leave running

struct SamplerStats {
  uint64_t samples = 0;              // collected into the profile
  uint64_t python_processes = 0;     // processes whose Python frames are walked
  uint64_t python_unresolved = 0;    // Python frames whose code object could not be read
  uint64_t stacks_missing = 0;       // a sample's stack id was gone when read
  uint64_t python_stacks_missing = 0; // a sample's Python frames were gone when read
  ProfileBpfStats kernel;
};

class Sampler {
 public:
  Sampler();
  ~Sampler();
  bool start(const SamplerOptions& options);
  // Drains the kernel's counts into the profile being built.
  void collect();
  // Stops sampling, collects what is left, returns the profile.
  Profile finish();
  // Continuous mode (`serve`, kContinuousFrequencyHz): the profile of the window since start() or the
  // previous call, leaving sampling running and starting a new window.
  Profile take_window();
  // LLM activity: `calls` requests of `pid` in flight (0 = none); samples are tagged at sample time.
  // Both only update kernel maps: safe from another thread while this one samples.
  void set_llm_in_flight(uint32_t pid, uint32_t calls) { bpf_.set_llm_in_flight(pid, calls); }
  // Adds `pid` and its current descendants to the pid scope (later children join in the kernel).
  bool add_target(uint32_t pid);
  // The CPU split since the previous call (continuous mode: the caller accumulates it).
  CpuActivitySplit take_activity();
  // Drops what is kept per process (names, Python state, symbol caches) for processes that have
  // exited, so a long-running sampler's memory does not grow with every process ever seen.
  void forget_exited_processes();

  const std::string& error() const { return error_; }
  const SamplerStats& stats() const { return stats_; }
  const CpuActivitySplit& activity() const { return activity_; }
  const std::map<uint32_t, std::string>& comms() const { return comms_; }
  std::string python_notes() const;  // why Python frames were not walked, per process
  uint64_t samples_so_far() const { return stats_.samples; }

 private:
  struct PythonTarget {
    PythonProcess process;
    PythonOffsets offsets;
  };
  void discover_python(uint32_t pid);
  void reset_window();
  void close_window();
  const std::string& comm_of(uint32_t pid);
  void forget_process(uint32_t pid);
  void add_sample(const RawSample& raw, std::unordered_map<int32_t, std::vector<Frame>>& user_cache,
                  std::unordered_map<int32_t, std::vector<Frame>>& kernel_cache);

  SamplerOptions options_;
  ProfileBpf bpf_;
  symbolizer::Symbolizer symbolizer_;
  ProcessMemoryReader memory_;
  PythonCodeResolver python_resolver_{memory_};
  std::map<uint32_t, PythonTarget> python_;
  std::map<uint32_t, std::string> python_skipped_;
  std::set<uint32_t> pids_seen_;
  std::set<int32_t> stacks_used_last_drain_;          // kept in the kernel's map while still in use
  std::set<uint64_t> python_stacks_used_last_drain_;
  std::map<uint32_t, std::string> comms_;
  std::unordered_map<std::string, size_t> sample_index_;  // serialized (pid, stack) -> samples index
  Profile profile_;
  CpuActivitySplit activity_;
  SamplerStats stats_;
  bool running_ = false;
  uint64_t start_monotonic_ns_ = 0;
  uint64_t lost_before_window_ = 0;  // lost-sample total when the current window started
  std::string error_;
};

}  // namespace agentprof::profile
