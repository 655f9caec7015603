#include "metrics/family_accumulator.h"

#include <catch2/catch.hpp>

#include "metrics/bucket_boundaries.h"

using namespace agentprof;

namespace {

MetricFamily histogram_family() {
  MetricFamily f;
  f.name = "h";
  f.kind = MetricKind::kHistogram;
  return f;
}

MetricFamily counter_family() {
  MetricFamily f;
  f.name = "c";
  f.kind = MetricKind::kCounter;
  return f;
}

}  // namespace

TEST_CASE("histogram buckets: a value equal to a bound goes to that bound's bucket") {
  FamilyAccumulator acc(histogram_family(), operation_seconds_bounds(), 10);
  acc.record({}, 0.01);    // == first bound -> bucket 0
  acc.record({}, 0.0100001);  // just above -> bucket 1
  acc.record({}, 0.0);     // below everything -> bucket 0
  acc.record({}, 81.92);   // == last bound -> bucket 13
  acc.record({}, 81.93);   // above -> +Inf bucket 14
  const auto& h = acc.family().histograms.at(0);
  REQUIRE(h.bucket_counts.size() == 15);
  CHECK(h.bucket_counts[0] == 2);
  CHECK(h.bucket_counts[1] == 1);
  CHECK(h.bucket_counts[13] == 1);
  CHECK(h.bucket_counts[14] == 1);
  CHECK(h.count == 5);
  CHECK(h.sum == Approx(0.01 + 0.0100001 + 81.92 + 81.93));
  CHECK(h.min == 0.0);
  CHECK(h.max == 81.93);
}

TEST_CASE("token bounds: 1 and 4 are upper-inclusive, 5 goes to le=16") {
  FamilyAccumulator acc(histogram_family(), token_usage_bounds(), 10);
  for (double v : {1.0, 4.0, 5.0, 67108864.0, 67108865.0}) acc.record({}, v);
  const auto& h = acc.family().histograms.at(0);
  CHECK(h.bucket_counts[0] == 1);
  CHECK(h.bucket_counts[1] == 1);
  CHECK(h.bucket_counts[2] == 1);
  CHECK(h.bucket_counts[13] == 1);
  CHECK(h.bucket_counts[14] == 1);
}

TEST_CASE("series are keyed by the whole label set") {
  FamilyAccumulator acc(counter_family(), {}, 10);
  acc.add({{"a", "1"}}, 1);
  acc.add({{"a", "1"}}, 2);
  acc.add({{"a", "2"}}, 5);
  // Same concatenated text, different split: must be different series.
  acc.add({{"ab", "c"}}, 1);
  acc.add({{"a", "bc"}}, 1);
  const auto& n = acc.family().numbers;
  REQUIRE(n.size() == 4);
  CHECK(n[0].value == 3);
  CHECK(n[1].value == 5);
  CHECK(acc.overflowed() == 0);
}

TEST_CASE("a full family folds new label sets into one overflow series and counts them") {
  FamilyAccumulator acc(counter_family(), {}, 3);  // 2 ordinary series + the overflow series
  acc.add({{"k", "a"}}, 1);
  acc.add({{"k", "b"}}, 1);
  acc.add({{"k", "c"}}, 1);
  acc.add({{"k", "d"}}, 2);
  acc.add({{"k", "a"}}, 1);  // existing series still updates
  const auto& n = acc.family().numbers;
  REQUIRE(n.size() == 3);
  CHECK(n[0].value == 2);
  CHECK(n[2].labels == std::vector<MetricLabel>{{"otel.metric.overflow", "true"}});
  CHECK(n[2].value == 3);
  CHECK(acc.overflowed() == 2);
}

TEST_CASE("set beyond the bound is dropped and counted, never summed") {
  FamilyAccumulator acc(counter_family(), {}, 2);
  acc.set({{"k", "a"}}, 10);
  acc.set({{"k", "a"}}, 12);
  acc.set({{"k", "b"}}, 7);
  acc.set({{"k", "b"}}, 7);
  const auto& n = acc.family().numbers;
  REQUIRE(n.size() == 1);
  CHECK(n[0].value == 12);
  CHECK(acc.overflowed() == 2);
}
