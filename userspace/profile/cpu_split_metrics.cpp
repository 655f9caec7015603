#include "profile/cpu_split_metrics.h"

#include <sys/stat.h>

namespace agentprof::profile {

CpuSplitMetrics::CpuSplitMetrics(CpuSplitMetricsOptions options) : options_(options) {
  if (options_.max_processes == 0) options_.max_processes = 1;
}

void CpuSplitMetrics::evict_one() {
  auto victim = series_.begin();
  for (auto it = series_.begin(); it != series_.end(); ++it)
    if (it->second.last_active_ns < victim->second.last_active_ns) victim = it;
  if (victim != series_.end()) {
    series_.erase(victim);
    ++evicted_;
  }
}

void CpuSplitMetrics::add(const CpuActivitySplit& delta, const std::map<uint32_t, std::string>& comms,
                          uint32_t frequency_hz, uint64_t now_ns) {
  if (frequency_hz == 0) return;
  std::lock_guard lock(mu_);
  for (const auto& [pid, activity] : delta.by_pid) {
    if (activity.total() == 0) continue;
    auto it = series_.find(pid);
    if (it == series_.end()) {
      if (series_.size() >= options_.max_processes) evict_one();
      it = series_.emplace(pid, Series{}).first;
    }
    Series& s = it->second;
    if (auto c = comms.find(pid); c != comms.end()) s.comm = c->second;
    s.seconds_in_flight += double(activity.samples_llm_in_flight) / frequency_hz;
    s.seconds_not_in_flight += double(activity.samples_no_llm_call) / frequency_hz;
    s.last_active_ns = now_ns;
    s.gone_since_ns = 0;
  }
}

void CpuSplitMetrics::expire(uint64_t now_ns, const std::string& proc_dir) {
  std::lock_guard lock(mu_);
  struct stat st;
  for (auto it = series_.begin(); it != series_.end();) {
    Series& s = it->second;
    if (stat((proc_dir + "/" + std::to_string(it->first)).c_str(), &st) == 0) {
      s.gone_since_ns = 0;
    } else if (s.gone_since_ns == 0) {
      s.gone_since_ns = now_ns;
    } else if (now_ns - s.gone_since_ns >= options_.exited_grace_ns) {
      it = series_.erase(it);
      continue;
    }
    ++it;
  }
}

MetricFamily CpuSplitMetrics::family() const {
  MetricFamily f;
  f.name = kFamilyName;
  f.unit = "s";
  f.kind = MetricKind::kCounter;
  f.description = "CPU time of profiled processes, split by whether the process had an LLM call in flight "
                  "(sampled; cumulative since agentprof or the process started being profiled)";
  std::lock_guard lock(mu_);
  for (const auto& [pid, s] : series_) {
    std::string p = std::to_string(pid);
    f.numbers.push_back({{{"pid", p}, {"comm", s.comm}, {"llm_call_in_flight", "true"}}, s.seconds_in_flight});
    f.numbers.push_back({{{"pid", p}, {"comm", s.comm}, {"llm_call_in_flight", "false"}}, s.seconds_not_in_flight});
  }
  return f;
}

size_t CpuSplitMetrics::processes() const {
  std::lock_guard lock(mu_);
  return series_.size();
}

uint64_t CpuSplitMetrics::evicted() const {
  std::lock_guard lock(mu_);
  return evicted_;
}

}  // namespace agentprof::profile
