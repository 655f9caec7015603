#include "store/store_metrics.h"

namespace agentprof {

void publish_store_metrics(MetricsRegistry& registry, const SpanStore& store) {
  registry.declare("agentprof.store.spans", MetricKind::kCounter, "{span}",
                   "Spans handled by the embedded store, by outcome.", true);
  registry.declare("agentprof.store.queue.depth", MetricKind::kGauge, "{span}",
                   "Spans waiting to be written to the embedded store.", true);
  registry.declare("agentprof.store.retention_errors", MetricKind::kCounter, "{error}",
                   "Retention passes of the embedded store that failed.", true);
  registry.add_collector([&store](MetricsRegistry& r) {
    SpanStoreStats s = store.stats();
    const std::pair<const char*, uint64_t> outcomes[] = {
        {"written", s.written},           {"dropped_queue_full", s.dropped_queue_full},
        {"write_error", s.write_errors},  {"deleted_by_age", s.deleted_by_age},
        {"deleted_by_size", s.deleted_by_size}};
    for (const auto& [outcome, value] : outcomes)
      r.set_counter("agentprof.store.spans", {{"outcome", outcome}}, double(value));
    r.set_gauge("agentprof.store.queue.depth", {}, double(s.queue_depth));
    r.set_counter("agentprof.store.retention_errors", {}, double(s.retention_errors));
  });
}

}  // namespace agentprof
