// Continuous CPU profiling for `agentprof serve`: a background thread samples at a low rate
// (19 Hz by default), closes a Profile window every `window_seconds`, keeps the most recent windows
// in memory (bounded by count and by total distinct stacks) and hands each closed window to a sink
// (e.g. the Pyroscope pusher). Without a scope it profiles "agent processes": those that made at
// least one LLM call, added as the LLM pipeline reports them (with their descendants); with
// llm_processes_only it does so inside a scope too (the scope then limits which calls are seen). It also
// forwards the in-flight LLM call counts to the kernel so samples carry the CPU split.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "capture/bpf_loader.h"  // ScopeFilter
#include "profile/cpu_split_metrics.h"
#include "profile/llm_activity_listener.h"
#include "profile/profile.h"
#include "profile/sampler.h"

namespace agentprof::profile {

struct ContinuousProfilerOptions {
  ScopeFilter scope;  // empty: agent processes only
  // Agent processes only even with a scope: of the scope, only processes that made LLM calls.
  bool llm_processes_only = false;
  uint32_t frequency_hz = kContinuousFrequencyHz;
  uint32_t window_seconds = 10;
  size_t windows_kept = 30;
  size_t max_kept_stacks = 20'000;   // distinct stacks over all kept windows (~100 MB worst case)
  size_t max_agent_processes = 4096; // agent processes tracked (beyond: not profiled, counted)
  bool python_frames = true;
};

struct ContinuousProfilerStats {
  uint64_t windows = 0;               // closed
  uint64_t samples = 0;               // in closed windows
  uint64_t lost_samples = 0;
  uint64_t windows_evicted_for_size = 0;  // dropped early because of max_kept_stacks
  uint64_t agent_processes = 0;       // currently tracked
  uint64_t agent_processes_dropped = 0;
  size_t windows_kept = 0;
};

class ContinuousProfiler final : public LlmActivityListener {
 public:
  using WindowSink = std::function<void(const Profile&)>;

  // `split`: where each collected CPU split goes (may be null).
  explicit ContinuousProfiler(CpuSplitMetrics* split = nullptr);
  ~ContinuousProfiler() override;
  ContinuousProfiler(const ContinuousProfiler&) = delete;
  ContinuousProfiler& operator=(const ContinuousProfiler&) = delete;

  // Starts sampling and the window thread. False with `error` (BPF or perf events unavailable).
  bool start(const ContinuousProfilerOptions& options, WindowSink sink, std::string& error);
  // Stops sampling; the window in progress is closed and sunk if it has samples. Idempotent.
  void stop();

  void on_llm_calls_in_flight(uint32_t pid, uint32_t calls) override;

  // Closed windows still kept, oldest first; shared, never modified after closing.
  std::vector<std::shared_ptr<const Profile>> windows() const;
  ContinuousProfilerStats stats() const;
  bool running() const { return running_.load(); }
  bool agent_processes_only() const { return agents_only_; }
  const ContinuousProfilerOptions& options() const { return options_; }

 private:
  void run();
  void collect();
  void close_window(uint64_t now_ns);
  void keep(std::shared_ptr<const Profile> window);

  CpuSplitMetrics* split_;
  ContinuousProfilerOptions options_;
  bool agents_only_ = false;
  WindowSink sink_;
  Sampler sampler_;
  std::thread thread_;
  std::atomic<bool> running_{false};

  mutable std::mutex mu_;  // everything below
  std::condition_variable wake_;
  bool stop_requested_ = false;
  std::vector<uint32_t> pending_targets_;
  std::set<uint32_t> agents_;
  std::deque<std::shared_ptr<const Profile>> windows_;
  size_t kept_stacks_ = 0;
  ContinuousProfilerStats stats_;
};

}  // namespace agentprof::profile
