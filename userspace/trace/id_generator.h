// Random trace and span ids: xoshiro256** seeded once (from std::random_device through
// splitmix64, or from a fixed seed in tests). Never returns an all-zero id, which means "none".
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>

#include "trace/span.h"

namespace agentprof {

class IdGenerator {
 public:
  // No seed: seeded from std::random_device. A seed makes the sequence reproducible (tests).
  explicit IdGenerator(std::optional<uint64_t> seed = std::nullopt);

  TraceId trace_id();
  SpanId span_id();

 private:
  uint64_t next();  // caller holds mu_

  std::mutex mu_;
  uint64_t state_[4];
};

}  // namespace agentprof
