#include "store/store_metrics.h"

#include <catch2/catch.hpp>

#include "store_test_support.h"

using namespace agentprof;
using agentprof::test::store_options;
using agentprof::test::TempStorePath;
using agentprof::test::varied_span;

TEST_CASE("store counters appear in registry snapshots with their current values") {
  TempStorePath tmp;
  SpanStoreOptions o = store_options(tmp.path);
  o.max_queue = 3;
  o.batch_size = 1000;
  o.flush_interval = std::chrono::hours(1);
  o.retention_interval = std::chrono::hours(1);
  std::string error;
  auto store = SpanStore::open(o, &error);
  REQUIRE(store);
  store->enforce_retention();  // start-up pass done; the writer now waits
  MetricsRegistry reg({.max_series_per_family = 100, .self_metrics = false});
  publish_store_metrics(reg, *store);
  for (int i = 0; i < 5; ++i) store->on_span(varied_span(i));

  auto value = [&](const MetricsSnapshot& snap, const std::string& family, const std::string& outcome) {
    for (const auto& f : snap.families)
      if (f.name == family)
        for (const auto& p : f.numbers)
          if (outcome.empty() || (!p.labels.empty() && p.labels[0].value == outcome)) return p.value;
    return -1.0;
  };
  MetricsSnapshot before = reg.snapshot();
  CHECK(value(before, "agentprof.store.queue.depth", "") == 3);
  CHECK(value(before, "agentprof.store.spans", "dropped_queue_full") == 2);
  CHECK(value(before, "agentprof.store.spans", "written") == 0);
  store->flush();
  MetricsSnapshot after = reg.snapshot();
  CHECK(value(after, "agentprof.store.queue.depth", "") == 0);
  CHECK(value(after, "agentprof.store.spans", "written") == 3);
}
