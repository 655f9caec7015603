// MetricsSnapshot -> ExportMetricsServiceRequest. Counters become cumulative monotonic Sums,
// gauges Gauges, histograms cumulative explicit-bucket Histograms; integer families use as_int.
// A data point that cannot be encoded truthfully (bucket count mismatch, unsorted bounds,
// non-finite or fractional value in an integer family, negative counter) is left out and counted.
#pragma once

#include <cstddef>
#include <string>

#include "exporters/otlp/otlp_resource_info.h"
#include "metrics/metric_snapshot.h"
#include "otlp_metrics_service.pb.h"

namespace agentprof::otlp {

struct MetricsEncodeResult {
  size_t data_points = 0;     // encoded
  size_t invalid_points = 0;  // left out
  std::string first_problem;  // why the first invalid point was left out (metric name included)
};

// Clears `out`, then fills it.
MetricsEncodeResult encode_metrics(const MetricsSnapshot& snapshot, const ResourceInfo& resource,
                                   opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest* out);

}  // namespace agentprof::otlp
