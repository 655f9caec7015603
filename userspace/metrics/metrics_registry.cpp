#include "metrics/metrics_registry.h"

#include <chrono>
#include <cmath>
#include <optional>
#include <utility>

#include "metrics/bucket_boundaries.h"
#include "metrics/metric_names.h"
#include "metrics/process_self_stats.h"
#include "trace/attribute_names.h"

namespace agentprof {

namespace {

uint64_t unix_now_ns() {
  return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count());
}

// The overflow counter has one series per family: it must never overflow itself.
constexpr size_t kUnboundedSeries = SIZE_MAX;

bool valid_measurement(double v) { return std::isfinite(v) && v >= 0; }

void add_string_label(std::vector<MetricLabel>& labels, const Span& span, const char* key) {
  const std::string* v = span.get<std::string>(key);
  if (v && !v->empty()) labels.push_back({key, *v});
}

std::vector<MetricLabel> with(std::vector<MetricLabel> labels, const char* key, std::string value) {
  labels.push_back({key, std::move(value)});
  return labels;
}

// Everything on_span records, computed before taking the lock.
struct SpanMeasurements {
  std::vector<MetricLabel> common;  // GenAI histogram labels
  std::vector<MetricLabel> call;    // agentprof counter labels
  std::optional<int64_t> input_tokens, output_tokens;
  std::optional<double> duration_s, ttft_s, per_chunk_s, cost_usd;
  bool error = false;
  std::string error_type;
  uint64_t rejected = 0;
};

SpanMeasurements measure(const Span& span) {
  SpanMeasurements m;
  add_string_label(m.common, span, attr::kOperationName);
  add_string_label(m.common, span, attr::kProviderName);
  add_string_label(m.common, span, attr::kRequestModel);
  add_string_label(m.common, span, attr::kResponseModel);
  m.call = m.common;
  add_string_label(m.call, span, attr::kProcessExecutableName);
  add_string_label(m.common, span, attr::kServerAddress);
  if (const int64_t* port = span.get<int64_t>(attr::kServerPort))
    m.common.push_back({attr::kServerPort, std::to_string(*port)});
  const std::string* error_type = span.get<std::string>(attr::kErrorType);
  if (error_type && !error_type->empty()) m.common.push_back({attr::kErrorType, *error_type});

  m.error = span.error;
  if (span.error) m.error_type = error_type && !error_type->empty() ? *error_type : "_OTHER";

  auto tokens = [&](const char* key, std::optional<int64_t>& out) {
    const int64_t* v = span.get<int64_t>(key);
    if (!v) return;  // unknown: never recorded
    if (*v < 0)
      ++m.rejected;
    else
      out = *v;
  };
  tokens(attr::kUsageInputTokens, m.input_tokens);
  tokens(attr::kUsageOutputTokens, m.output_tokens);

  auto seconds = [&](const double* v, std::optional<double>& out) {
    if (!v) return;
    if (valid_measurement(*v))
      out = *v;
    else
      ++m.rejected;
  };
  if (!span.get<bool>(attr::kTimingMissing)) {
    if (span.end_unix_ns >= span.start_unix_ns)
      m.duration_s = double(span.end_unix_ns - span.start_unix_ns) / 1e9;
    else
      ++m.rejected;
  }
  const bool* stream = span.get<bool>(attr::kRequestStream);
  if (stream && *stream) {
    seconds(span.get<double>(attr::kResponseTimeToFirstChunk), m.ttft_s);
    const int64_t* chunks = span.get<int64_t>(attr::kOutputChunks);
    if (chunks && *chunks > 1) seconds(span.get<double>(attr::kChunkGapMeanS), m.per_chunk_s);
  }
  const double* cost = span.get<double>(attr::kCostUsd);
  if (cost && !valid_measurement(*cost)) ++m.rejected;  // then counted as unpriced, as the report does
  if (cost && valid_measurement(*cost)) m.cost_usd = *cost;
  return m;
}

}  // namespace

MetricsRegistry::MetricsRegistry(MetricsRegistryOptions options)
    : options_(options), start_unix_ns_(unix_now_ns()) {
  add_family(metric::kTokenUsage, MetricKind::kHistogram, "{token}",
             "Number of input and output tokens used per LLM call.", false, token_usage_bounds());
  add_family(metric::kOperationDuration, MetricKind::kHistogram, "s",
             "Duration of LLM calls, from the first request byte to the last response byte.", false,
             operation_seconds_bounds());
  add_family(metric::kTimeToFirstChunk, MetricKind::kHistogram, "s",
             "Time from the end of the request to the first response chunk of streaming calls.", false,
             operation_seconds_bounds());
  add_family(metric::kTimePerOutputChunk, MetricKind::kHistogram, "s",
             "Mean time between output chunks of streaming calls with more than one chunk.", false,
             operation_seconds_bounds());
  add_family(metric::kCalls, MetricKind::kCounter, "{call}", "LLM calls observed.", true);
  add_family(metric::kErrors, MetricKind::kCounter, "{error}", "LLM calls that failed, by error.type.",
             true);
  add_family(metric::kCost, MetricKind::kCounter, "USD", "Cost of priced LLM calls in US dollars.", false);
  add_family(metric::kUnpricedCalls, MetricKind::kCounter, "{call}",
             "LLM calls without a known price (no usage or model not in the price table).", true);
  add_family(metric::kSeriesOverflow, MetricKind::kCounter, "{observation}",
             "Observations folded into a metric's overflow series because it reached its series limit.",
             true, {}, kUnboundedSeries);
  add_family(metric::kRejectedValues, MetricKind::kCounter, "{value}",
             "Measurements not recorded because they were invalid (negative, NaN) or of the wrong kind.",
             true);
  if (options_.self_metrics) {
    add_family(metric::kProcessCpuTime, MetricKind::kCounter, "s", "CPU time used by agentprof itself.",
               false);
    add_family(metric::kProcessMemoryUsage, MetricKind::kGauge, "By",
               "Resident memory of agentprof itself.", true);
  }
}

FamilyAccumulator& MetricsRegistry::add_family(const std::string& name, MetricKind kind,
                                               const std::string& unit, const std::string& description,
                                               bool integer, const std::vector<double>& bounds,
                                               size_t max_series) {
  MetricFamily f;
  f.name = name;
  f.kind = kind;
  f.unit = unit;
  f.description = description;
  f.integer = integer;
  families_.push_back(std::make_unique<FamilyAccumulator>(
      std::move(f), bounds, max_series ? max_series : options_.max_series_per_family));
  by_name_[name] = families_.back().get();
  return *families_.back();
}

FamilyAccumulator& MetricsRegistry::family(const std::string& name) { return *by_name_.find(name)->second; }

void MetricsRegistry::reject() { family(metric::kRejectedValues).add({}, 1); }

void MetricsRegistry::on_span(const Span& span) {
  SpanMeasurements m = measure(span);
  std::lock_guard lock(mu_);
  ++spans_seen_;
  FamilyAccumulator& tokens = family(metric::kTokenUsage);
  if (m.input_tokens) tokens.record(with(m.common, metric::kTokenTypeLabel, "input"), double(*m.input_tokens));
  if (m.output_tokens)
    tokens.record(with(m.common, metric::kTokenTypeLabel, "output"), double(*m.output_tokens));
  if (m.duration_s) family(metric::kOperationDuration).record(m.common, *m.duration_s);
  if (m.ttft_s) family(metric::kTimeToFirstChunk).record(m.common, *m.ttft_s);
  if (m.per_chunk_s) family(metric::kTimePerOutputChunk).record(m.common, *m.per_chunk_s);

  family(metric::kCalls).add(m.call, 1);
  if (m.error) family(metric::kErrors).add(with(m.call, attr::kErrorType, m.error_type), 1);
  if (m.cost_usd)
    family(metric::kCost).add(m.call, *m.cost_usd);
  else
    family(metric::kUnpricedCalls).add(m.call, 1);
  if (m.rejected) family(metric::kRejectedValues).add({}, double(m.rejected));
}

void MetricsRegistry::declare(const std::string& name, MetricKind kind, const std::string& unit,
                              const std::string& description, bool integer) {
  std::lock_guard lock(mu_);
  if (by_name_.count(name)) return;  // first declaration wins
  add_family(name, kind, unit, description, integer);
}

void MetricsRegistry::set_value(const std::string& name, MetricKind kind,
                                const std::vector<MetricLabel>& labels, double value) {
  std::lock_guard lock(mu_);
  auto it = by_name_.find(name);
  FamilyAccumulator* f = it != by_name_.end() ? it->second : &add_family(name, kind, "", "", false);
  if (f->family().kind != kind || !std::isfinite(value) || (kind == MetricKind::kCounter && value < 0)) {
    reject();
    return;
  }
  f->set(labels, value);
}

void MetricsRegistry::set_counter(const std::string& name, const std::vector<MetricLabel>& labels,
                                  double value) {
  set_value(name, MetricKind::kCounter, labels, value);
}

void MetricsRegistry::set_gauge(const std::string& name, const std::vector<MetricLabel>& labels,
                                double value) {
  set_value(name, MetricKind::kGauge, labels, value);
}

void MetricsRegistry::add_collector(Collector collector) {
  std::lock_guard lock(collectors_mu_);
  collectors_.push_back(std::move(collector));
}

void MetricsRegistry::collect_self_metrics() {
  std::optional<ProcessSelfStats> s = read_process_self_stats();
  if (!s) return;
  set_counter(metric::kProcessCpuTime, {{"cpu.mode", "user"}}, s->cpu_user_seconds);
  set_counter(metric::kProcessCpuTime, {{"cpu.mode", "system"}}, s->cpu_system_seconds);
  set_gauge(metric::kProcessMemoryUsage, {}, s->rss_bytes);
}

MetricsSnapshot MetricsRegistry::snapshot() {
  {
    std::lock_guard lock(collectors_mu_);
    for (auto& c : collectors_) c(*this);
  }
  if (options_.self_metrics) collect_self_metrics();

  std::lock_guard lock(mu_);
  FamilyAccumulator& overflow = family(metric::kSeriesOverflow);
  for (const auto& f : families_)
    if (f.get() != &overflow && f->overflowed() > 0)
      overflow.set({{"metric", f->family().name}}, double(f->overflowed()));

  MetricsSnapshot snap;
  snap.start_unix_ns = start_unix_ns_;
  snap.time_unix_ns = unix_now_ns();
  snap.families.reserve(families_.size());
  for (const auto& f : families_) snap.families.push_back(f->family());
  return snap;
}

uint64_t MetricsRegistry::spans_seen() const {
  std::lock_guard lock(mu_);
  return spans_seen_;
}

}  // namespace agentprof
