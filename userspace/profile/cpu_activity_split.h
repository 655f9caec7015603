// CPU samples of each process split by whether it had an LLM call in flight at sample time, so a
// user can tell "waiting on the model" from "working". In-flight state is fed to the kernel by
// whoever sees the calls (Sampler::set_llm_in_flight, e.g. from `agentprof trace`'s exchanges).
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace agentprof::profile {

struct CpuActivity {
  uint64_t samples_llm_in_flight = 0;
  uint64_t samples_no_llm_call = 0;
  uint64_t total() const { return samples_llm_in_flight + samples_no_llm_call; }
};

struct CpuActivitySplit {
  std::map<uint32_t, CpuActivity> by_pid;
  void add(uint32_t pid, bool llm_in_flight, uint64_t count) {
    auto& a = by_pid[pid];
    (llm_in_flight ? a.samples_llm_in_flight : a.samples_no_llm_call) += count;
  }
};

// One line per process: "pid 123 (python3): 40 samples, 25% during LLM calls, 75% outside".
std::string format_activity_split(const CpuActivitySplit& split, const std::map<uint32_t, std::string>& comms,
                                  uint32_t frequency_hz);

}  // namespace agentprof::profile
