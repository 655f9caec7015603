// Converts CLOCK_MONOTONIC timestamps (what the kernel side records) to Unix epoch time (what
// spans carry). The offset is captured once at start so every span of a run uses the same
// mapping; a wall-clock step later does not reorder spans. Injectable for tests.
#pragma once

#include <cstdint>

namespace agentprof {

struct ClockOffset {
  int64_t realtime_minus_monotonic_ns = 0;

  // Reads both clocks now (monotonic read twice around the realtime read, midpoint taken).
  static ClockOffset capture();

  // 0 (not seen) stays 0; results below the epoch clamp to 0.
  uint64_t to_unix_ns(uint64_t monotonic_ns) const;
};

// Current CLOCK_MONOTONIC in ns.
uint64_t monotonic_now_ns();

}  // namespace agentprof
