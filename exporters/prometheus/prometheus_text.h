// Renders a MetricsSnapshot in the Prometheus text exposition format 0.0.4: per family a # HELP and
// a # TYPE line, then its samples; histograms as cumulative name_bucket{le="..."} series ending
// with le="+Inf" (= count), then name_sum and name_count. Label values are escaped (\\, \", \n);
// label names that collide after renaming have their values joined with ';' (OTel spec).
// Families without any series are left out.
#pragma once

#include <string>

#include "metrics/metric_snapshot.h"

namespace agentprof {

inline constexpr const char* kPrometheusTextContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string render_prometheus_text(const MetricsSnapshot& snapshot);

// Appends a sample value: shortest round-trip decimal, "+Inf", "-Inf" or "NaN".
void append_prometheus_value(std::string& out, double v);

}  // namespace agentprof
