// Names of the metric families MetricsRegistry keeps (OpenTelemetry names, dots; the Prometheus
// renderer maps them). gen_ai.* follow the GenAI semantic conventions v1.41.0; process.* follow the
// process semantic conventions (agentprof's own CPU and memory); agentprof.* are ours.
#pragma once

namespace agentprof::metric {

inline constexpr const char* kTokenUsage = "gen_ai.client.token.usage";
inline constexpr const char* kOperationDuration = "gen_ai.client.operation.duration";
inline constexpr const char* kTimeToFirstChunk = "gen_ai.client.operation.time_to_first_chunk";
inline constexpr const char* kTimePerOutputChunk = "gen_ai.client.operation.time_per_output_chunk";

inline constexpr const char* kCalls = "agentprof.calls";
inline constexpr const char* kErrors = "agentprof.errors";
inline constexpr const char* kCost = "agentprof.cost";
inline constexpr const char* kUnpricedCalls = "agentprof.unpriced_calls";

// Observations the registry could not keep exactly: folded into a family's overflow series
// (label "metric" = family), or rejected as not a valid measurement (negative, NaN).
inline constexpr const char* kSeriesOverflow = "agentprof.metrics.overflowed_observations";
inline constexpr const char* kRejectedValues = "agentprof.metrics.rejected_values";

inline constexpr const char* kProcessCpuTime = "process.cpu.time";
inline constexpr const char* kProcessMemoryUsage = "process.memory.usage";

// Label put on the one series a family folds new label sets into once it holds its maximum
// number of series (the name the OpenTelemetry SDKs use for their cardinality limit).
inline constexpr const char* kOverflowLabel = "otel.metric.overflow";
inline constexpr const char* kTokenTypeLabel = "gen_ai.token.type";

}  // namespace agentprof::metric
