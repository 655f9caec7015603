// Ending holds on real stopped children, with an in-memory table in place of the BPF map: each hold
// is ended exactly once (whichever path claims it), the watchdog ends only overdue ones and does so
// on its own thread, exit ends all, and the counters and durations add up.
#include <catch2/catch.hpp>

#include <time.h>

#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "capture/hold_releaser.h"
#include "stopped_child.h"

using agentprof::HeldEntry;
using agentprof::HoldReleaser;

namespace {

uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
}

class MemoryHeldTable : public agentprof::HeldTable {
 public:
  void hold(uint32_t tgid, uint64_t since_ns) {
    std::lock_guard<std::mutex> lock(mu_);
    rows_[tgid] = HeldEntry{tgid, since_ns};
  }
  std::vector<HeldEntry> entries() const override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<HeldEntry> out;
    for (const auto& [tgid, e] : rows_) out.push_back(e);
    return out;
  }
  std::optional<HeldEntry> claim(uint32_t tgid) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = rows_.find(tgid);
    if (it == rows_.end()) return std::nullopt;
    HeldEntry e = it->second;
    rows_.erase(it);
    return e;
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return rows_.size();
  }

 private:
  mutable std::mutex mu_;
  std::map<uint32_t, HeldEntry> rows_;
};

}  // namespace

TEST_CASE("release resumes a held process once and records how long it was held") {
  MemoryHeldTable table;
  HoldReleaser releaser(table);
  hold_test::Child child;
  child.stop();
  const uint64_t now = now_ns();
  table.hold(uint32_t(child.pid()), now - 7'000'000);  // held 7 ms ago
  releaser.note_held_record(true);
  releaser.release(uint32_t(child.pid()), now);
  CHECK(child.wait_for_state('S', 2000));
  CHECK(table.size() == 0);
  releaser.release(uint32_t(child.pid()), now);  // a second record for the same hold: nothing left
  auto s = releaser.stats();
  CHECK(s.exec_records == 1);
  CHECK(s.resumed == 1);
  CHECK(s.durations == 1);
  CHECK(s.ended_while_held == 0);
  CHECK(s.median_ms == Approx(7.0));
  CHECK(s.max_ms == Approx(7.0));
}

TEST_CASE("a process that died while held is counted, not resumed") {
  MemoryHeldTable table;
  HoldReleaser releaser(table);
  hold_test::Child child;
  const uint32_t pid = uint32_t(child.pid());
  child.end();
  releaser.release(pid, now_ns());  // the kernel removed its entry at exit
  CHECK(releaser.stats().ended_while_held == 1);
  CHECK(releaser.stats().resumed == 0);
}

TEST_CASE("release_overdue ends only holds older than the limit") {
  MemoryHeldTable table;
  HoldReleaser releaser(table);
  hold_test::Child old_one, young_one;
  old_one.stop();
  young_one.stop();
  const uint64_t now = now_ns();
  table.hold(uint32_t(old_one.pid()), now - 3'000'000'000ull);
  table.hold(uint32_t(young_one.pid()), now - 100'000'000ull);
  CHECK(releaser.release_overdue(now, 2'000'000'000ull) == 1);
  CHECK(old_one.wait_for_state('S', 2000));
  CHECK(young_one.state() == 'T');
  CHECK(table.size() == 1);
  CHECK(releaser.stats().resumed_by_watchdog == 1);
  CHECK(releaser.stats().max_ms == Approx(3000.0));
  // The young one's examination finishes normally afterwards.
  releaser.release(uint32_t(young_one.pid()), now);
  CHECK(young_one.wait_for_state('S', 2000));
  CHECK(releaser.stats().resumed == 1);
  CHECK(releaser.stats().median_ms == Approx(3000.0));  // upper median of {100, 3000}
}

TEST_CASE("the watchdog thread resumes a hold that outlives the limit while the caller is busy") {
  MemoryHeldTable table;
  HoldReleaser releaser(table);
  hold_test::Child child;
  child.stop();
  const uint64_t held_at = now_ns();
  table.hold(uint32_t(child.pid()), held_at);
  releaser.start_watchdog(150'000'000ull, 10);  // 150 ms limit, checked every 10 ms
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  const char early = child.state();
  if (now_ns() - held_at < 140'000'000ull) CHECK(early == 'T');  // not yet (unless this thread slept long)
  CHECK(child.wait_for_state('S', 2000));
  releaser.stop_watchdog();
  auto s = releaser.stats();
  CHECK(s.resumed_by_watchdog == 1);
  CHECK(s.max_ms >= 150.0);
}

TEST_CASE("release_all ends every hold") {
  MemoryHeldTable table;
  HoldReleaser releaser(table);
  hold_test::Child a, b, gone;
  a.stop();
  b.stop();
  const uint64_t now = now_ns();
  for (const auto* child : {&a, &b, &gone}) table.hold(uint32_t(child->pid()), now - 1'000'000);
  gone.end();
  CHECK(releaser.release_all(now) == 3);
  CHECK(a.wait_for_state('S', 2000));
  CHECK(b.wait_for_state('S', 2000));
  CHECK(table.size() == 0);
  auto s = releaser.stats();
  CHECK(s.resumed_at_exit == 2);
  CHECK(s.ended_while_held == 1);
  CHECK(s.durations == 2);
}

TEST_CASE("durations kept for the median are bounded") {
  MemoryHeldTable table;
  HoldReleaser releaser(table);
  hold_test::Child child;
  const uint64_t now = now_ns();
  // Claims of a running process still count as holds ended (SIGCONT to a running process is harmless).
  for (size_t i = 0; i < HoldReleaser::kDurationsKept + 100; ++i) {
    table.hold(uint32_t(child.pid()), now - (i < 100 ? 900'000'000ull : 1'000'000ull));
    releaser.release(uint32_t(child.pid()), now);
  }
  auto s = releaser.stats();
  CHECK(s.durations == HoldReleaser::kDurationsKept + 100);
  CHECK(s.max_ms == Approx(900.0));
  CHECK(s.median_ms == Approx(1.0));  // the 100 long ones were pushed out of the window
}
