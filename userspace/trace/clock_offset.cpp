#include "trace/clock_offset.h"

#include <time.h>

namespace agentprof {

namespace {
int64_t read_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
}  // namespace

ClockOffset ClockOffset::capture() {
  int64_t mono_before = read_ns(CLOCK_MONOTONIC);
  int64_t real = read_ns(CLOCK_REALTIME);
  int64_t mono_after = read_ns(CLOCK_MONOTONIC);
  int64_t mono = mono_before + (mono_after - mono_before) / 2;
  return ClockOffset{real - mono};
}

uint64_t ClockOffset::to_unix_ns(uint64_t monotonic_ns) const {
  if (monotonic_ns == 0) return 0;
  if (realtime_minus_monotonic_ns < 0) {
    uint64_t back = uint64_t(-(realtime_minus_monotonic_ns + 1)) + 1;
    return monotonic_ns > back ? monotonic_ns - back : 0;
  }
  return monotonic_ns + uint64_t(realtime_minus_monotonic_ns);
}

uint64_t monotonic_now_ns() { return uint64_t(read_ns(CLOCK_MONOTONIC)); }

}  // namespace agentprof
