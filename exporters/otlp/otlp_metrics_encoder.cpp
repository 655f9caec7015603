#include "exporters/otlp/otlp_metrics_encoder.h"

#include <cmath>

namespace agentprof::otlp {

namespace pb_metrics = opentelemetry::proto::metrics::v1;

namespace {

template <typename RepeatedKv>
void add_labels(const std::vector<MetricLabel>& labels, RepeatedKv* out) {
  for (const MetricLabel& l : labels) {
    auto* kv = out->Add();
    kv->set_key(l.key);
    kv->mutable_value()->set_string_value(l.value);
  }
}

// Why `p` cannot be encoded for `family`, or empty when it can.
std::string number_problem(const MetricFamily& family, const NumberPoint& p) {
  if (!std::isfinite(p.value)) return "non-finite value";
  if (family.kind == MetricKind::kCounter && p.value < 0) return "negative counter value";
  if (family.integer) {
    // 2^63 is exactly representable; anything at or beyond it does not fit in int64.
    if (p.value >= 9223372036854775808.0 || p.value < -9223372036854775808.0) return "value out of int64 range";
    if (p.value != std::trunc(p.value)) return "fractional value in an integer metric";
  }
  return {};
}

std::string histogram_problem(const HistogramPoint& p) {
  if (p.bucket_counts.size() != p.bounds.size() + 1) return "bucket_counts size is not bounds size + 1";
  for (size_t i = 0; i < p.bounds.size(); ++i) {
    if (!std::isfinite(p.bounds[i])) return "non-finite bucket bound";
    if (i > 0 && !(p.bounds[i - 1] < p.bounds[i])) return "bucket bounds not strictly ascending";
  }
  uint64_t total = 0;
  for (uint64_t c : p.bucket_counts) {
    if (c > UINT64_MAX - total) return "bucket counts overflow";
    total += c;
  }
  if (total != p.count) return "bucket counts do not add up to count";
  if (!std::isfinite(p.sum)) return "non-finite sum";
  if (p.count > 0 && (!std::isfinite(p.min) || !std::isfinite(p.max) || p.min > p.max))
    return "invalid min/max";
  return {};
}

void note_problem(MetricsEncodeResult& r, const MetricFamily& family, const std::string& why) {
  ++r.invalid_points;
  if (r.first_problem.empty()) r.first_problem = family.name + ": " + why;
}

void fill_number_points(const MetricsSnapshot& snap, const MetricFamily& family,
                        google::protobuf::RepeatedPtrField<pb_metrics::NumberDataPoint>* out,
                        MetricsEncodeResult& r) {
  for (const NumberPoint& p : family.numbers) {
    if (std::string why = number_problem(family, p); !why.empty()) {
      note_problem(r, family, why);
      continue;
    }
    auto* dp = out->Add();
    add_labels(p.labels, dp->mutable_attributes());
    dp->set_start_time_unix_nano(snap.start_unix_ns);
    dp->set_time_unix_nano(snap.time_unix_ns);
    if (family.integer) {
      dp->set_as_int(static_cast<int64_t>(p.value));
    } else {
      dp->set_as_double(p.value);
    }
    ++r.data_points;
  }
}

void fill_histogram_points(const MetricsSnapshot& snap, const MetricFamily& family,
                           pb_metrics::Histogram* out, MetricsEncodeResult& r) {
  for (const HistogramPoint& p : family.histograms) {
    if (std::string why = histogram_problem(p); !why.empty()) {
      note_problem(r, family, why);
      continue;
    }
    auto* dp = out->add_data_points();
    add_labels(p.labels, dp->mutable_attributes());
    dp->set_start_time_unix_nano(snap.start_unix_ns);
    dp->set_time_unix_nano(snap.time_unix_ns);
    dp->set_count(p.count);
    dp->set_sum(p.sum);
    for (uint64_t c : p.bucket_counts) dp->add_bucket_counts(c);
    for (double b : p.bounds) dp->add_explicit_bounds(b);
    if (p.count > 0) {  // min/max mean nothing for an empty histogram
      dp->set_min(p.min);
      dp->set_max(p.max);
    }
    ++r.data_points;
  }
}

}  // namespace

MetricsEncodeResult encode_metrics(const MetricsSnapshot& snapshot, const ResourceInfo& resource,
                                   opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest* out) {
  out->Clear();
  MetricsEncodeResult result;
  if (snapshot.families.empty()) return result;
  auto* rm = out->add_resource_metrics();
  resource.fill(rm->mutable_resource());
  auto* sm = rm->add_scope_metrics();
  fill_scope(sm->mutable_scope());
  for (const MetricFamily& family : snapshot.families) {
    auto* m = sm->add_metrics();
    m->set_name(family.name);
    m->set_description(family.description);
    m->set_unit(family.unit);
    switch (family.kind) {
      case MetricKind::kCounter: {
        auto* sum = m->mutable_sum();
        sum->set_aggregation_temporality(pb_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
        sum->set_is_monotonic(true);
        fill_number_points(snapshot, family, sum->mutable_data_points(), result);
        break;
      }
      case MetricKind::kGauge:
        fill_number_points(snapshot, family, m->mutable_gauge()->mutable_data_points(), result);
        break;
      case MetricKind::kHistogram: {
        auto* h = m->mutable_histogram();
        h->set_aggregation_temporality(pb_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
        fill_histogram_points(snapshot, family, h, result);
        break;
      }
    }
  }
  return result;
}

}  // namespace agentprof::otlp
