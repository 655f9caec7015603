// MetricsRegistry: turns finished spans into OpenTelemetry GenAI metrics (semconv v1.41.0) plus
// agentprof's counters, and holds the values other parts of agentprof publish (capture bytes,
// losses, probes, queue depths). snapshot() is what the Prometheus endpoint and OTLP export read.
//
// Per span (labels present only when the span has the attribute):
//  - gen_ai.client.token.usage {token}: one observation per known count, gen_ai.token.type
//    input|output; an absent (or negative) count is never recorded, not even as 0.
//  - gen_ai.client.operation.duration s: end - start, unless agentprof.timing.missing.
//  - gen_ai.client.operation.time_to_first_chunk s: streams only, gen_ai.response.time_to_first_chunk.
//  - gen_ai.client.operation.time_per_output_chunk s: streams with agentprof.output_chunks > 1:
//    (last chunk - first chunk) / (chunks - 1), which is the span's agentprof.chunk_gap.mean_s.
//    Per chunk, not per token: a stream event may carry several tokens.
//    Common labels of the four: gen_ai.operation.name, gen_ai.provider.name, gen_ai.request.model,
//    gen_ai.response.model, server.address, server.port, error.type.
//  - agentprof.calls {call}, agentprof.errors {error} (+ error.type), agentprof.cost USD (priced
//    calls: agentprof.cost_usd), agentprof.unpriced_calls {call}: labels gen_ai.operation.name,
//    gen_ai.provider.name, gen_ai.request.model, gen_ai.response.model, process.executable.name.
// Each family keeps at most max_series_per_family series; further label sets fold into one series
// labelled otel.metric.overflow="true" and are counted in agentprof.metrics.overflowed_observations.
// Thread-safe; on_span takes one short lock.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "metrics/family_accumulator.h"
#include "metrics/metric_snapshot.h"
#include "trace/span_sink.h"

namespace agentprof {

struct MetricsRegistryOptions {
  size_t max_series_per_family = 10000;
  bool self_metrics = true;  // process.cpu.time and process.memory.usage of this process
};

class MetricsRegistry : public SpanSink {
 public:
  explicit MetricsRegistry(MetricsRegistryOptions options = {});

  void on_span(const Span& span) override;

  // Hooks for values kept elsewhere (capture bytes, events lost by reason, probes attached, queue
  // depths). declare() fixes a family's kind, unit and help once; set_counter/set_gauge then set a
  // series to its current value (counters: the cumulative total since start). Setting a family
  // that was not declared declares it with an empty unit and description. A call whose kind
  // disagrees with the family's is ignored and counted in rejected_values.
  void declare(const std::string& name, MetricKind kind, const std::string& unit,
               const std::string& description, bool integer);
  void set_counter(const std::string& name, const std::vector<MetricLabel>& labels, double value);
  void set_gauge(const std::string& name, const std::vector<MetricLabel>& labels, double value);

  // Called at the start of every snapshot(), outside the registry's lock, so values owned by other
  // components can be pulled (with set_counter/set_gauge) right when they are read.
  using Collector = std::function<void(MetricsRegistry&)>;
  void add_collector(Collector collector);

  MetricsSnapshot snapshot();

  uint64_t spans_seen() const;

 private:
  FamilyAccumulator& family(const std::string& name);  // must exist; mu_ held
  FamilyAccumulator& add_family(const std::string& name, MetricKind kind, const std::string& unit,
                                const std::string& description, bool integer,
                                const std::vector<double>& bounds = {}, size_t max_series = 0);
  void set_value(const std::string& name, MetricKind kind, const std::vector<MetricLabel>& labels,
                 double value);
  void collect_self_metrics();
  void reject();  // mu_ held

  MetricsRegistryOptions options_;
  uint64_t start_unix_ns_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<FamilyAccumulator>> families_;  // snapshot order = declaration order
  std::map<std::string, FamilyAccumulator*, std::less<>> by_name_;
  uint64_t spans_seen_ = 0;
  std::mutex collectors_mu_;
  std::vector<Collector> collectors_;
};

}  // namespace agentprof
