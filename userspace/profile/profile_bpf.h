// Kernel side of CPU sampling: loads proc.bpf.o (scope maps, fork tracking) and profile.bpf.o sharing
// its maps, opens one PERF_COUNT_SW_CPU_CLOCK event per CPU in frequency mode, attaches the sampling
// program, and reads-and-clears the aggregated counts.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "capture/bpf_loader.h"  // ScopeFilter
#include "profile_abi.h"

struct bpf_link;

namespace agentprof::profile {

struct RawSample {
  ap_sample_key key;
  uint64_t count = 0;
};

struct ProfileBpfStats {
  uint64_t counters[AP_PROF_STAT_COUNT] = {};
};

class ProfileBpf {
 public:
  ProfileBpf();
  ~ProfileBpf();
  ProfileBpf(const ProfileBpf&) = delete;
  ProfileBpf& operator=(const ProfileBpf&) = delete;

  // Loads and configures; does not sample yet. False with error() on failure. `pid_scope`: filter
  // by traced pids even when scope.pids is empty (targets are added later with add_traced_pid).
  bool load(const ScopeFilter& scope, bool pid_scope = false);
  // Opens the per-CPU events at `frequency_hz` and attaches. CPUs that are offline are skipped.
  bool start(uint32_t frequency_hz);
  void stop();
  int cpus_sampled() const { return int(links_.size()); }

  // Counts accumulated since the last call, removed from the kernel map in the same pass.
  std::vector<RawSample> drain_counts();
  // Stack addresses (leaf first) of a stack id; empty when the id is unknown (then counted by the caller).
  std::vector<uint64_t> stack(int32_t id);
  void delete_stack(int32_t id);
  bool python_stack(uint64_t key, ap_py_stack& out);
  void delete_python_stack(uint64_t key);
  bool set_python_process(uint32_t pid, const ap_py_proc& proc);
  void forget_python_process(uint32_t pid);
  // LLM activity: `calls` requests in flight for `pid` (0 clears).
  bool set_llm_in_flight(uint32_t pid, uint32_t calls);
  bool add_traced_pid(uint32_t pid);
  ProfileBpfStats read_stats() const;

  const std::string& error() const { return error_; }

 private:
  struct Objects;
  std::unique_ptr<Objects> objects_;
  std::vector<::bpf_link*> links_;
  std::vector<int> perf_fds_;
  bool batch_supported_ = true;
  std::string error_;
};

}  // namespace agentprof::profile
