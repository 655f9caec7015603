// Explicit histogram bucket boundaries advised by the OpenTelemetry GenAI semantic conventions
// v1.41.0 (see /work/shared/spec/llm-wire-formats.md, "Metrics"). Upper bounds are inclusive.
#pragma once

#include <vector>

namespace agentprof {

// gen_ai.client.token.usage: powers of 4 from 1 to 4^13.
inline const std::vector<double>& token_usage_bounds() {
  static const std::vector<double> bounds = {1,      4,       16,      64,       256,      1024,     4096,
                                             16384,  65536,   262144,  1048576,  4194304,  16777216, 67108864};
  return bounds;
}

// gen_ai.client.operation.duration, .time_to_first_chunk and .time_per_output_chunk (seconds):
// doubling from 10 ms to 81.92 s.
inline const std::vector<double>& operation_seconds_bounds() {
  static const std::vector<double> bounds = {0.01, 0.02, 0.04, 0.08,  0.16,  0.32,  0.64,
                                             1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92};
  return bounds;
}

}  // namespace agentprof
