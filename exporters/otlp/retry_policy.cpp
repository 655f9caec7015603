#include "exporters/otlp/retry_policy.h"

#include <algorithm>

namespace agentprof::otlp {

ExportOutcome classify_http_status(long status) {
  if (status >= 200 && status < 300) return ExportOutcome::kOk;
  switch (status) {
    case 429:
    case 502:
    case 503:
    case 504:
      return ExportOutcome::kRetryable;
    default:
      return ExportOutcome::kRejected;
  }
}

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, uint64_t seed)
    : initial_(std::max(initial, std::chrono::milliseconds(1))), max_(std::max(max, initial_)), rng_(seed) {}

std::chrono::milliseconds Backoff::next() {
  // Cap the exponent: 2^30 times any sane initial already exceeds any sane maximum.
  int shift = std::min(attempt_, 30);
  ++attempt_;
  long long ceiling = initial_.count();
  for (int i = 0; i < shift && ceiling < max_.count(); ++i) ceiling *= 2;
  ceiling = std::min<long long>(ceiling, max_.count());
  std::uniform_int_distribution<long long> pick(0, ceiling);
  return std::chrono::milliseconds(pick(rng_));
}

}  // namespace agentprof::otlp
