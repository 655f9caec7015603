#include "profile/cpu_activity_split.h"

#include <cstdio>

namespace agentprof::profile {

std::string format_activity_split(const CpuActivitySplit& split, const std::map<uint32_t, std::string>& comms,
                                  uint32_t frequency_hz) {
  std::string out;
  for (const auto& [pid, a] : split.by_pid) {
    if (a.total() == 0) continue;
    auto it = comms.find(pid);
    const std::string comm = it == comms.end() ? "?" : it->second;
    double cpu_s = frequency_hz ? double(a.total()) / frequency_hz : 0.0;
    double in = 100.0 * double(a.samples_llm_in_flight) / double(a.total());
    char line[256];
    snprintf(line, sizeof(line), "pid %u (%s): %llu samples (%.2f CPU-s), %.1f%% during LLM calls, %.1f%% outside\n",
             pid, comm.c_str(), (unsigned long long)a.total(), cpu_s, in, 100.0 - in);
    out += line;
  }
  return out;
}

}  // namespace agentprof::profile
