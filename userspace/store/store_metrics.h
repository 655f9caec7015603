// Publishes a SpanStore's counters through a MetricsRegistry (read at each snapshot):
//   agentprof.store.spans {span}, counter, label outcome = written | dropped_queue_full |
//     write_error | deleted_by_age | deleted_by_size
//   agentprof.store.queue.depth {span}, gauge
//   agentprof.store.retention_errors {error}, counter
// The store must outlive every later registry.snapshot() call.
#pragma once

#include "metrics/metrics_registry.h"
#include "store/span_store.h"

namespace agentprof {

void publish_store_metrics(MetricsRegistry& registry, const SpanStore& store);

}  // namespace agentprof
