// When an OTLP export is retried and how long to wait: only throttling / gateway answers
// (429, 502, 503, 504) and transport failures are retried, with exponential backoff and full
// jitter, and a server's Retry-After wins over our own delay.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace agentprof::otlp {

enum class ExportOutcome : uint8_t {
  kOk,         // 2xx
  kRetryable,  // 429/502/503/504, connection refused/reset, timeout
  kRejected,   // any other status: the receiver will not accept this payload, never retried
};

ExportOutcome classify_http_status(long status);

// Exponential backoff with full jitter: attempt n waits uniform[0, min(max, initial * 2^n)].
class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, uint64_t seed);
  std::chrono::milliseconds next();
  int attempts() const { return attempt_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  int attempt_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace agentprof::otlp
