// Ends the holds the kernel makes on new executables (--hold-new-executables): resumes a held process
// once its file is examined, resumes from a watchdog thread any process held longer than a bound
// (whatever userspace is busy with), and resumes everything still held when agentprof stops. Counts
// every hold and how long it lasted.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "capture/held_table.h"

namespace agentprof {

struct HoldStats {
  uint64_t exec_records = 0;        // exec records flagged held
  uint64_t mmap_records = 0;        // executable-mmap records flagged held
  uint64_t resumed = 0;             // after the examination, as intended
  uint64_t resumed_by_watchdog = 0; // held longer than the bound
  uint64_t resumed_at_exit = 0;     // still held when agentprof stopped (record unread or in flight)
  uint64_t ended_while_held = 0;    // exited (killed) while held
  uint64_t durations = 0;           // holds ended by agentprof, with a duration
  double median_ms = 0;             // of the last kDurationsKept of those
  double max_ms = 0;                // of all of them
};

class HoldReleaser {
 public:
  static constexpr size_t kDurationsKept = 4096;

  explicit HoldReleaser(HeldTable& table) : table_(table) {}
  ~HoldReleaser();
  HoldReleaser(const HoldReleaser&) = delete;
  HoldReleaser& operator=(const HoldReleaser&) = delete;

  // A record said the kernel held its process (exec or mmap).
  void note_held_record(bool exec);
  // The examination prompted by a held record is over (successful or not): resume `tgid`.
  void release(uint32_t tgid, uint64_t now_ns);
  // Resumes every process held for longer than `limit_ns`; returns how many were ended.
  int release_overdue(uint64_t now_ns, uint64_t limit_ns);
  // Resumes every process still held (agentprof is stopping). The caller first turns the hold off.
  int release_all(uint64_t now_ns);

  // Runs release_overdue() every `period_ms` on a thread of its own until stop_watchdog().
  void start_watchdog(uint64_t limit_ns, int period_ms);
  void stop_watchdog();

  HoldStats stats() const;

 private:
  enum class Path { kExamined, kWatchdog, kExit };
  // Resumes a claimed entry and counts it under `path`.
  void end_hold(const HeldEntry& entry, uint64_t now_ns, Path path);

  HeldTable& table_;
  mutable std::mutex mu_;
  HoldStats stats_;
  std::vector<double> recent_ms_;  // ring of the last kDurationsKept durations
  size_t next_slot_ = 0;

  std::thread watchdog_;
  std::mutex watchdog_mu_;
  std::condition_variable watchdog_cv_;
  bool watchdog_stop_ = false;
};

}  // namespace agentprof
