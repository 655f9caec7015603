// OpenTelemetry -> Prometheus naming, after the OpenTelemetry "Prometheus and OpenMetrics
// compatibility" specification:
//  - every character outside [a-zA-Z0-9_:] becomes '_', runs of '_' collapse to one, a leading
//    digit gets a '_' prefix;
//  - the unit becomes a suffix unless the name already ends with it: s -> seconds, ms ->
//    milliseconds, By -> bytes, % -> percent, "a/b" -> a_per_b, "1" on gauges -> ratio; units in
//    curly braces ({token}, {call}) add nothing; any other unit is used lower-cased (USD -> usd,
//    since Prometheus names are snake_case);
//  - monotonic counters end in _total.
// Label names follow the same character rule; a leading digit gets a "key_" prefix.
#pragma once

#include <string>
#include <string_view>

#include "metrics/metric_snapshot.h"

namespace agentprof {

std::string prometheus_metric_name(const MetricFamily& family);
std::string prometheus_label_name(std::string_view key);

}  // namespace agentprof
