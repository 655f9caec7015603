#include "profile/continuous_profiler.h"

#include <sys/stat.h>
#include <time.h>

#include <chrono>

namespace agentprof::profile {

namespace {

uint64_t monotonic_now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
}

bool process_exists(uint32_t pid) {
  struct stat st;
  return stat(("/proc/" + std::to_string(pid)).c_str(), &st) == 0;
}

constexpr auto kCollectInterval = std::chrono::seconds(1);  // symbolize while processes are alive

}  // namespace

ContinuousProfiler::ContinuousProfiler(CpuSplitMetrics* split) : split_(split) {}

ContinuousProfiler::~ContinuousProfiler() { stop(); }

bool ContinuousProfiler::start(const ContinuousProfilerOptions& options, WindowSink sink, std::string& error) {
  if (running_) {
    error = "continuous profiling already started";
    return false;
  }
  if (options.window_seconds == 0 || options.windows_kept == 0) {
    error = "profiling window and windows kept must be at least 1";
    return false;
  }
  options_ = options;
  sink_ = std::move(sink);
  agents_only_ = options.llm_processes_only ||
                 (options.scope.pids.empty() && options.scope.comm.empty() && options.scope.cgroup_path.empty());
  SamplerOptions so;
  so.scope = options.scope;
  // Agent processes are added one by one; comm and cgroup filters still apply on top.
  if (agents_only_) so.scope.pids.clear();
  so.frequency_hz = options.frequency_hz;
  so.python_frames = options.python_frames;
  so.targets_added_later = agents_only_;
  if (!sampler_.start(so)) {
    error = sampler_.error();
    return false;
  }
  {
    std::lock_guard lock(mu_);
    stop_requested_ = false;
  }
  running_ = true;
  thread_ = std::thread([this] { run(); });
  return true;
}

void ContinuousProfiler::stop() {
  if (!running_.exchange(false)) return;
  {
    std::lock_guard lock(mu_);
    stop_requested_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  Profile last = sampler_.finish();
  if (split_) split_->add(sampler_.take_activity(), sampler_.comms(), options_.frequency_hz, monotonic_now_ns());
  if (!last.samples.empty()) {
    auto window = std::make_shared<const Profile>(std::move(last));
    keep(window);
    if (sink_) sink_(*window);
  }
}

void ContinuousProfiler::on_llm_calls_in_flight(uint32_t pid, uint32_t calls) {
  if (!running_) return;
  sampler_.set_llm_in_flight(pid, calls);
  if (!agents_only_ || calls == 0) return;
  {
    std::lock_guard lock(mu_);
    if (agents_.count(pid)) return;
    if (agents_.size() >= options_.max_agent_processes) {
      ++stats_.agent_processes_dropped;
      return;
    }
    agents_.insert(pid);
    pending_targets_.push_back(pid);
  }
  // The /proc scan for the new agent's children runs on the profiling thread, not the capture one.
  wake_.notify_all();
}

void ContinuousProfiler::collect() {
  sampler_.collect();
  if (split_) split_->add(sampler_.take_activity(), sampler_.comms(), options_.frequency_hz, monotonic_now_ns());
}

void ContinuousProfiler::keep(std::shared_ptr<const Profile> window) {
  std::lock_guard lock(mu_);
  stats_.windows++;
  for (const StackSample& s : window->samples) stats_.samples += s.count;
  stats_.lost_samples += window->lost_samples;
  kept_stacks_ += window->samples.size();
  windows_.push_back(std::move(window));
  while (windows_.size() > 1 && (windows_.size() > options_.windows_kept || kept_stacks_ > options_.max_kept_stacks)) {
    if (windows_.size() <= options_.windows_kept) stats_.windows_evicted_for_size++;
    kept_stacks_ -= windows_.front()->samples.size();
    windows_.pop_front();
  }
}

void ContinuousProfiler::close_window(uint64_t now_ns) {
  Profile closed = sampler_.take_window();
  if (split_) {
    split_->add(sampler_.take_activity(), sampler_.comms(), options_.frequency_hz, now_ns);
    split_->expire(now_ns);
  }
  sampler_.forget_exited_processes();
  {
    std::lock_guard lock(mu_);
    for (auto it = agents_.begin(); it != agents_.end();) it = process_exists(*it) ? std::next(it) : agents_.erase(it);
  }
  auto window = std::make_shared<const Profile>(std::move(closed));
  keep(window);
  if (sink_ && !window->samples.empty()) sink_(*window);
}

void ContinuousProfiler::run() {
  using Clock = std::chrono::steady_clock;
  auto next_collect = Clock::now() + kCollectInterval;
  auto next_window = Clock::now() + std::chrono::seconds(options_.window_seconds);
  for (;;) {
    std::vector<uint32_t> targets;
    {
      std::unique_lock lock(mu_);
      wake_.wait_until(lock, std::min(next_collect, next_window),
                       [this] { return stop_requested_ || !pending_targets_.empty(); });
      if (stop_requested_) return;
      targets.swap(pending_targets_);
    }
    for (uint32_t pid : targets) sampler_.add_target(pid);
    auto now = Clock::now();
    if (now >= next_window) {
      close_window(monotonic_now_ns());
      next_window += std::chrono::seconds(options_.window_seconds);
      if (next_window <= now) next_window = now + std::chrono::seconds(options_.window_seconds);
      next_collect = now + kCollectInterval;
    } else if (now >= next_collect) {
      collect();
      next_collect = now + kCollectInterval;
    }
  }
}

std::vector<std::shared_ptr<const Profile>> ContinuousProfiler::windows() const {
  std::lock_guard lock(mu_);
  return {windows_.begin(), windows_.end()};
}

ContinuousProfilerStats ContinuousProfiler::stats() const {
  std::lock_guard lock(mu_);
  ContinuousProfilerStats s = stats_;
  s.agent_processes = agents_.size();
  s.windows_kept = windows_.size();
  return s;
}

}  // namespace agentprof::profile
