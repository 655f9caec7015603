#include <catch2/catch.hpp>

#include "exporters/otlp/retry_policy.h"

using namespace agentprof::otlp;
using std::chrono::milliseconds;

TEST_CASE("only 429/502/503/504 are retryable; other non-2xx are rejected") {
  REQUIRE(classify_http_status(200) == ExportOutcome::kOk);
  REQUIRE(classify_http_status(202) == ExportOutcome::kOk);
  for (long s : {429L, 502L, 503L, 504L}) REQUIRE(classify_http_status(s) == ExportOutcome::kRetryable);
  for (long s : {400L, 401L, 403L, 404L, 408L, 413L, 500L, 501L, 505L, 301L, 0L})
    REQUIRE(classify_http_status(s) == ExportOutcome::kRejected);
}

TEST_CASE("backoff: full jitter within an exponentially growing, capped ceiling") {
  Backoff b(milliseconds(100), milliseconds(1000), 42);
  long long ceilings[] = {100, 200, 400, 800, 1000, 1000, 1000};
  for (long long ceiling : ceilings) {
    milliseconds d = b.next();
    REQUIRE(d.count() >= 0);
    REQUIRE(d.count() <= ceiling);
  }
  REQUIRE(b.attempts() == 7);
  // Jitter: many draws at the cap are spread out, not a constant.
  Backoff c(milliseconds(1000), milliseconds(1000), 7);
  long long lo = 1000, hi = 0;
  for (int i = 0; i < 200; ++i) {
    long long v = c.next().count();
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  REQUIRE(lo < 200);
  REQUIRE(hi > 800);
  // Many attempts never overflow.
  Backoff d(milliseconds(1), milliseconds(5000), 1);
  for (int i = 0; i < 100; ++i) REQUIRE(d.next().count() <= 5000);
}
