// GET /metrics: the Prometheus text exposition of a metrics snapshot taken at scrape time.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "endpoint/local_http_server.h"
#include "metrics/metric_snapshot.h"

namespace agentprof {

struct MetricsRouteStats {
  std::atomic<uint64_t> scrapes{0};
  std::atomic<uint64_t> failed_scrapes{0};  // the snapshot provider threw
};

using SnapshotProvider = std::function<MetricsSnapshot()>;

// `stats` (may be null) must outlive the server.
void add_metrics_route(LocalHttpServer& server, SnapshotProvider provider, MetricsRouteStats* stats = nullptr);

}  // namespace agentprof
