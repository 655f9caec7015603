// A point-in-time copy of every metric agentprof keeps, cumulative since start: what the
// Prometheus endpoint renders and the OTLP exporter encodes. Names are OpenTelemetry names
// (dots); the Prometheus renderer maps them to Prometheus naming.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace agentprof {

struct MetricLabel {
  std::string key;    // OTel attribute name, e.g. "gen_ai.token.type"
  std::string value;
  bool operator==(const MetricLabel&) const = default;
};

struct HistogramPoint {
  std::vector<MetricLabel> labels;
  std::vector<double> bounds;          // explicit upper bounds, ascending
  std::vector<uint64_t> bucket_counts; // bounds.size() + 1 entries (last = +Inf), not cumulative
  uint64_t count = 0;
  double sum = 0;
  double min = 0;                      // valid when count > 0
  double max = 0;
};

struct NumberPoint {
  std::vector<MetricLabel> labels;
  double value = 0;
};

enum class MetricKind : uint8_t { kCounter = 0, kGauge = 1, kHistogram = 2 };

struct MetricFamily {
  std::string name;         // e.g. "gen_ai.client.token.usage", "agentprof.calls"
  std::string description;
  std::string unit;         // UCUM: "{token}", "s", "USD", "By", "{call}"
  MetricKind kind = MetricKind::kCounter;
  bool integer = false;     // counters/gauges whose values are whole numbers (int in OTLP)
  std::vector<NumberPoint> numbers;       // counters and gauges
  std::vector<HistogramPoint> histograms; // histograms
};

struct MetricsSnapshot {
  uint64_t start_unix_ns = 0;  // when the cumulative series began
  uint64_t time_unix_ns = 0;   // when the snapshot was taken
  std::vector<MetricFamily> families;
};

}  // namespace agentprof
