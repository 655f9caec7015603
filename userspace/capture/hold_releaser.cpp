#include "capture/hold_releaser.h"

#include <signal.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>

#include "capture/stop_state.h"

namespace agentprof {

namespace {
uint64_t now_monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
}

bool process_exists(uint32_t pid) { return kill(pid_t(pid), 0) == 0 || errno != ESRCH; }
}  // namespace

HoldReleaser::~HoldReleaser() { stop_watchdog(); }

void HoldReleaser::note_held_record(bool exec) {
  std::lock_guard<std::mutex> lock(mu_);
  (exec ? stats_.exec_records : stats_.mmap_records)++;
}

void HoldReleaser::end_hold(const HeldEntry& entry, uint64_t now_ns, Path path) {
  const ResumeOutcome outcome = resume_held_process(pid_t(entry.tgid));
  const double ms = now_ns > entry.since_ns ? double(now_ns - entry.since_ns) / 1e6 : 0.0;
  std::lock_guard<std::mutex> lock(mu_);
  if (outcome == ResumeOutcome::kGone) {
    stats_.ended_while_held++;
    return;
  }
  if (path == Path::kExamined) stats_.resumed++;
  if (path == Path::kWatchdog) {
    stats_.resumed_by_watchdog++;
    fprintf(stderr, "agentprof: resumed pid %u after holding it %.0f ms (examination too slow)\n", entry.tgid, ms);
  }
  if (path == Path::kExit) stats_.resumed_at_exit++;
  stats_.durations++;
  stats_.max_ms = std::max(stats_.max_ms, ms);
  if (recent_ms_.size() < kDurationsKept) {
    recent_ms_.push_back(ms);
  } else {
    recent_ms_[next_slot_] = ms;
    next_slot_ = (next_slot_ + 1) % kDurationsKept;
  }
}

void HoldReleaser::release(uint32_t tgid, uint64_t now_ns) {
  if (auto entry = table_.claim(tgid)) {
    end_hold(*entry, now_ns, Path::kExamined);
    return;
  }
  // Nothing to claim: the watchdog got there first (and counted it), or the process died held.
  if (!process_exists(tgid)) {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.ended_while_held++;
  }
}

int HoldReleaser::release_overdue(uint64_t now_ns, uint64_t limit_ns) {
  int n = 0;
  for (const HeldEntry& e : table_.entries()) {
    if (now_ns < e.since_ns || now_ns - e.since_ns < limit_ns) continue;
    if (auto entry = table_.claim(e.tgid)) {
      end_hold(*entry, now_ns, Path::kWatchdog);
      n++;
    }
  }
  return n;
}

int HoldReleaser::release_all(uint64_t now_ns) {
  int n = 0;
  // A few passes: a hold made while the table was walked is caught by the next one.
  for (int pass = 0; pass < 3; ++pass) {
    int this_pass = 0;
    for (const HeldEntry& e : table_.entries()) {
      if (auto entry = table_.claim(e.tgid)) {
        end_hold(*entry, now_ns, Path::kExit);
        this_pass++;
      }
    }
    n += this_pass;
    if (this_pass == 0) break;
  }
  return n;
}

void HoldReleaser::start_watchdog(uint64_t limit_ns, int period_ms) {
  stop_watchdog();
  {
    std::lock_guard<std::mutex> lock(watchdog_mu_);
    watchdog_stop_ = false;
  }
  watchdog_ = std::thread([this, limit_ns, period_ms] {
    std::unique_lock<std::mutex> lock(watchdog_mu_);
    while (!watchdog_cv_.wait_for(lock, std::chrono::milliseconds(period_ms), [this] { return watchdog_stop_; })) {
      lock.unlock();
      release_overdue(now_monotonic_ns(), limit_ns);
      lock.lock();
    }
  });
}

void HoldReleaser::stop_watchdog() {
  if (!watchdog_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(watchdog_mu_);
    watchdog_stop_ = true;
  }
  watchdog_cv_.notify_all();
  watchdog_.join();
}

HoldStats HoldReleaser::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  HoldStats s = stats_;
  if (!recent_ms_.empty()) {
    std::vector<double> sorted = recent_ms_;
    std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
    s.median_ms = sorted[sorted.size() / 2];
  }
  return s;
}

}  // namespace agentprof
