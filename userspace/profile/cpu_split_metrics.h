// The per-process CPU split ("LLM call in flight" or not) as a cumulative counter family for the
// metrics endpoints: agentprof.process.cpu (seconds) {pid, comm, llm_call_in_flight}. Series are
// bounded: a process that exited is dropped after a grace period (so its last value is still
// scraped), and past `max_processes` the least recently active process is dropped (counted).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "metrics/metric_snapshot.h"
#include "profile/cpu_activity_split.h"

namespace agentprof::profile {

struct CpuSplitMetricsOptions {
  size_t max_processes = 512;                 // 2 series each
  uint64_t exited_grace_ns = 120'000'000'000;  // keep an exited process's series this long
};

class CpuSplitMetrics {
 public:
  static constexpr const char* kFamilyName = "agentprof.process.cpu";

  explicit CpuSplitMetrics(CpuSplitMetricsOptions options = {});

  // Adds samples taken at `frequency_hz`; `comms` names the processes; `now_ns` is monotonic.
  void add(const CpuActivitySplit& delta, const std::map<uint32_t, std::string>& comms, uint32_t frequency_hz,
           uint64_t now_ns);
  // Drops processes that have exited (checked in `proc_dir`) more than the grace period ago.
  void expire(uint64_t now_ns, const std::string& proc_dir = "/proc");

  MetricFamily family() const;
  size_t processes() const;
  uint64_t evicted() const;

 private:
  struct Series {
    std::string comm;
    double seconds_in_flight = 0;
    double seconds_not_in_flight = 0;
    uint64_t last_active_ns = 0;
    uint64_t gone_since_ns = 0;  // 0: alive when last checked
  };
  void evict_one();  // mu_ held

  CpuSplitMetricsOptions options_;
  mutable std::mutex mu_;
  std::map<uint32_t, Series> series_;
  uint64_t evicted_ = 0;
};

}  // namespace agentprof::profile
