// Span and MetricsSnapshot -> OTLP protobuf: exact field values and attribute value types,
// checked on the bytes after a serialize/parse round trip (what a collector would see).
#include <catch2/catch.hpp>

#include <cmath>

#include "exporters/otlp/gzip_compress.h"
#include "exporters/otlp/otlp_metrics_encoder.h"
#include "exporters/otlp/otlp_span_encoder.h"
#include "otlp_test_receiver.h"

using namespace agentprof;
using namespace agentprof::otlp;
namespace pb_common = opentelemetry::proto::common::v1;
namespace pb_trace = opentelemetry::proto::trace::v1;
namespace pb_metrics = opentelemetry::proto::metrics::v1;
using opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

namespace {

template <typename Repeated>
const pb_common::AnyValue* find_attr(const Repeated& attrs, const std::string& key) {
  for (const auto& kv : attrs)
    if (kv.key() == key) return &kv.value();
  return nullptr;
}

template <typename Msg>
Msg round_trip(const Msg& in) {
  std::string bytes;
  REQUIRE(in.SerializeToString(&bytes));
  Msg out;
  REQUIRE(out.ParseFromString(bytes));
  return out;
}

Span sample_span() {
  Span s;
  for (size_t i = 0; i < 16; ++i) s.trace_id[i] = uint8_t(i + 1);
  for (size_t i = 0; i < 8; ++i) s.span_id[i] = uint8_t(0xa0 + i);
  s.name = "chat gpt-4o";
  s.kind = SpanKind::kClient;
  s.start_unix_ns = 1700000000123456789ull;
  s.end_unix_ns = 1700000001123456789ull;
  s.attributes = {
      {"gen_ai.request.model", std::string("gpt-4o")},
      {"gen_ai.usage.input_tokens", int64_t(1234)},
      {"agentprof.ttft_seconds", 0.25},
      {"gen_ai.response.streaming", true},
      {"gen_ai.response.finish_reasons", std::vector<std::string>{"stop", "tool_calls"}},
      {"empty.list", std::vector<std::string>{}},
  };
  return s;
}

}  // namespace

TEST_CASE("a span keeps ids, kind, times and exact attribute types") {
  ResourceInfo resource = ResourceInfo::make("svc", {{"deployment.environment", "test"}});
  ExportTraceServiceRequest req;
  encode_spans({sample_span()}, resource, &req);
  req = round_trip(req);

  REQUIRE(req.resource_spans_size() == 1);
  const auto& rs = req.resource_spans(0);
  REQUIRE(find_attr(rs.resource().attributes(), "service.name")->string_value() == "svc");
  REQUIRE(find_attr(rs.resource().attributes(), "host.name")->string_value() == local_host_name());
  REQUIRE(find_attr(rs.resource().attributes(), "deployment.environment")->string_value() == "test");
  REQUIRE(rs.scope_spans_size() == 1);
  REQUIRE(rs.scope_spans(0).scope().name() == "agentprof");
  REQUIRE_FALSE(rs.scope_spans(0).scope().version().empty());
  REQUIRE(rs.scope_spans(0).spans_size() == 1);
  const pb_trace::Span& s = rs.scope_spans(0).spans(0);

  REQUIRE(s.trace_id() == std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10", 16));
  REQUIRE(s.span_id() == std::string("\xa0\xa1\xa2\xa3\xa4\xa5\xa6\xa7", 8));
  REQUIRE(s.parent_span_id().empty());  // root span: no parent bytes at all
  REQUIRE(s.name() == "chat gpt-4o");
  REQUIRE(s.kind() == pb_trace::Span::SPAN_KIND_CLIENT);
  REQUIRE(s.start_time_unix_nano() == 1700000000123456789ull);
  REQUIRE(s.end_time_unix_nano() == 1700000001123456789ull);
  REQUIRE(s.status().code() == pb_trace::Status::STATUS_CODE_UNSET);
  REQUIRE(s.attributes_size() == 6);
  REQUIRE(s.attributes(0).key() == "gen_ai.request.model");  // insertion order kept

  const auto* model = find_attr(s.attributes(), "gen_ai.request.model");
  REQUIRE(model->value_case() == pb_common::AnyValue::kStringValue);
  REQUIRE(model->string_value() == "gpt-4o");
  const auto* tokens = find_attr(s.attributes(), "gen_ai.usage.input_tokens");
  REQUIRE(tokens->value_case() == pb_common::AnyValue::kIntValue);
  REQUIRE(tokens->int_value() == 1234);
  const auto* ttft = find_attr(s.attributes(), "agentprof.ttft_seconds");
  REQUIRE(ttft->value_case() == pb_common::AnyValue::kDoubleValue);
  REQUIRE(ttft->double_value() == 0.25);
  const auto* streaming = find_attr(s.attributes(), "gen_ai.response.streaming");
  REQUIRE(streaming->value_case() == pb_common::AnyValue::kBoolValue);
  REQUIRE(streaming->bool_value());
  const auto* reasons = find_attr(s.attributes(), "gen_ai.response.finish_reasons");
  REQUIRE(reasons->value_case() == pb_common::AnyValue::kArrayValue);
  REQUIRE(reasons->array_value().values_size() == 2);
  REQUIRE(reasons->array_value().values(0).string_value() == "stop");
  REQUIRE(reasons->array_value().values(1).string_value() == "tool_calls");
  const auto* empty = find_attr(s.attributes(), "empty.list");
  REQUIRE(empty->value_case() == pb_common::AnyValue::kArrayValue);
  REQUIRE(empty->array_value().values_size() == 0);
}

TEST_CASE("child span carries its parent id; error spans carry ERROR status and message") {
  Span child = sample_span();
  child.parent_span_id = {1, 2, 3, 4, 5, 6, 7, 8};
  child.kind = SpanKind::kInternal;
  child.error = true;
  child.status_message = "429 rate_limit_exceeded";
  Span server = sample_span();
  server.kind = SpanKind::kServer;
  server.status_message = "ignored when not an error";

  ExportTraceServiceRequest req;
  encode_spans({child, server}, ResourceInfo::make("svc", {}), &req);
  req = round_trip(req);
  const auto& spans = req.resource_spans(0).scope_spans(0).spans();
  REQUIRE(spans.size() == 2);
  REQUIRE(spans[0].parent_span_id() == std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  REQUIRE(spans[0].kind() == pb_trace::Span::SPAN_KIND_INTERNAL);
  REQUIRE(spans[0].status().code() == pb_trace::Status::STATUS_CODE_ERROR);
  REQUIRE(spans[0].status().message() == "429 rate_limit_exceeded");
  REQUIRE(spans[1].kind() == pb_trace::Span::SPAN_KIND_SERVER);
  REQUIRE(spans[1].status().code() == pb_trace::Status::STATUS_CODE_UNSET);
  REQUIRE(spans[1].status().message().empty());
}

TEST_CASE("empty batch encodes to an empty request") {
  ExportTraceServiceRequest req;
  encode_spans({}, ResourceInfo::make("svc", {}), &req);
  REQUIRE(req.resource_spans_size() == 0);
}

TEST_CASE("resource: service name argument wins, first duplicate key wins, host.name can be given") {
  ResourceInfo r = ResourceInfo::make("svc", {{"service.name", "other"}, {"host.name", "h1"}, {"k", "1"}, {"k", "2"}});
  REQUIRE(*r.find("service.name") == "svc");
  REQUIRE(*r.find("host.name") == "h1");
  REQUIRE(*r.find("k") == "1");
  REQUIRE(r.attributes.size() == 3);
}

namespace {

MetricsSnapshot sample_snapshot() {
  MetricsSnapshot snap;
  snap.start_unix_ns = 1000;
  snap.time_unix_ns = 5000;
  MetricFamily calls{"agentprof.calls", "LLM calls seen", "{call}", MetricKind::kCounter, true, {}, {}};
  calls.numbers = {{{{"gen_ai.provider.name", "openai"}}, 42}, {{{"gen_ai.provider.name", "anthropic"}}, 7}};
  MetricFamily cost{"agentprof.cost", "Spend", "USD", MetricKind::kCounter, false, {{{}, 1.25}}, {}};
  MetricFamily depth{"agentprof.queue.depth", "Queued spans", "{span}", MetricKind::kGauge, true, {{{}, 3}}, {}};
  MetricFamily cpu{"agentprof.cpu", "CPU share", "1", MetricKind::kGauge, false, {{{}, 0.5}}, {}};
  MetricFamily duration{"gen_ai.client.operation.duration", "Call duration", "s", MetricKind::kHistogram, false, {}, {}};
  HistogramPoint hp;
  hp.labels = {{"gen_ai.request.model", "gpt-4o"}};
  hp.bounds = {0.1, 1, 10};
  hp.bucket_counts = {1, 2, 0, 1};
  hp.count = 4;
  hp.sum = 14.5;
  hp.min = 0.05;
  hp.max = 12;
  HistogramPoint empty_hp;
  empty_hp.bounds = {1};
  empty_hp.bucket_counts = {0, 0};
  duration.histograms = {hp, empty_hp};
  snap.families = {calls, cost, depth, cpu, duration};
  return snap;
}

const pb_metrics::Metric& metric_named(const ExportMetricsServiceRequest& req, const std::string& name) {
  for (const auto& m : req.resource_metrics(0).scope_metrics(0).metrics())
    if (m.name() == name) return m;
  FAIL("metric " << name << " missing");
  throw;
}

}  // namespace

TEST_CASE("metrics: counters are cumulative monotonic sums, gauges gauges, histograms explicit buckets") {
  ExportMetricsServiceRequest req;
  MetricsEncodeResult r = encode_metrics(sample_snapshot(), ResourceInfo::make("svc", {}), &req);
  req = round_trip(req);
  REQUIRE(r.data_points == 7);
  REQUIRE(r.invalid_points == 0);
  REQUIRE(req.resource_metrics(0).scope_metrics(0).scope().name() == "agentprof");
  REQUIRE(find_attr(req.resource_metrics(0).resource().attributes(), "service.name")->string_value() == "svc");

  const auto& calls = metric_named(req, "agentprof.calls");
  REQUIRE(calls.unit() == "{call}");
  REQUIRE(calls.description() == "LLM calls seen");
  REQUIRE(calls.data_case() == pb_metrics::Metric::kSum);
  REQUIRE(calls.sum().is_monotonic());
  REQUIRE(calls.sum().aggregation_temporality() == pb_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  REQUIRE(calls.sum().data_points_size() == 2);
  const auto& p0 = calls.sum().data_points(0);
  REQUIRE(p0.value_case() == pb_metrics::NumberDataPoint::kAsInt);
  REQUIRE(p0.as_int() == 42);
  REQUIRE(p0.start_time_unix_nano() == 1000);
  REQUIRE(p0.time_unix_nano() == 5000);
  REQUIRE(find_attr(p0.attributes(), "gen_ai.provider.name")->string_value() == "openai");
  REQUIRE(calls.sum().data_points(1).as_int() == 7);

  const auto& cost = metric_named(req, "agentprof.cost");
  REQUIRE(cost.sum().data_points(0).value_case() == pb_metrics::NumberDataPoint::kAsDouble);
  REQUIRE(cost.sum().data_points(0).as_double() == 1.25);

  const auto& depth = metric_named(req, "agentprof.queue.depth");
  REQUIRE(depth.data_case() == pb_metrics::Metric::kGauge);
  REQUIRE(depth.gauge().data_points(0).as_int() == 3);
  REQUIRE(metric_named(req, "agentprof.cpu").gauge().data_points(0).as_double() == 0.5);

  const auto& dur = metric_named(req, "gen_ai.client.operation.duration");
  REQUIRE(dur.unit() == "s");
  REQUIRE(dur.data_case() == pb_metrics::Metric::kHistogram);
  REQUIRE(dur.histogram().aggregation_temporality() == pb_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  REQUIRE(dur.histogram().data_points_size() == 2);
  const auto& h = dur.histogram().data_points(0);
  REQUIRE(std::vector<double>(h.explicit_bounds().begin(), h.explicit_bounds().end()) == std::vector<double>{0.1, 1, 10});
  REQUIRE(std::vector<uint64_t>(h.bucket_counts().begin(), h.bucket_counts().end()) ==
          std::vector<uint64_t>{1, 2, 0, 1});
  REQUIRE(h.count() == 4);
  REQUIRE(h.sum() == 14.5);
  REQUIRE(h.has_min());
  REQUIRE(h.min() == 0.05);
  REQUIRE(h.max() == 12);
  REQUIRE(h.start_time_unix_nano() == 1000);
  REQUIRE(find_attr(h.attributes(), "gen_ai.request.model")->string_value() == "gpt-4o");
  const auto& e = dur.histogram().data_points(1);
  REQUIRE(e.count() == 0);
  REQUIRE_FALSE(e.has_min());  // min/max are meaningless for an empty histogram
  REQUIRE_FALSE(e.has_max());
}

TEST_CASE("metrics: points that cannot be encoded truthfully are left out and counted") {
  MetricsSnapshot snap;
  snap.families.push_back({"c", "", "1", MetricKind::kCounter, true,
                           {{{}, 1.5}, {{}, -1}, {{}, NAN}, {{}, 1e19}, {{}, 5}}, {}});
  MetricFamily h{"h", "", "s", MetricKind::kHistogram, false, {}, {}};
  HistogramPoint bad_size;
  bad_size.bounds = {1, 2};
  bad_size.bucket_counts = {1, 1};
  bad_size.count = 2;
  HistogramPoint unsorted;
  unsorted.bounds = {2, 1};
  unsorted.bucket_counts = {0, 0, 0};
  HistogramPoint wrong_count;
  wrong_count.bounds = {1};
  wrong_count.bucket_counts = {1, 1};
  wrong_count.count = 3;
  h.histograms = {bad_size, unsorted, wrong_count};
  snap.families.push_back(h);

  ExportMetricsServiceRequest req;
  MetricsEncodeResult r = encode_metrics(snap, ResourceInfo::make("svc", {}), &req);
  REQUIRE(r.data_points == 1);
  REQUIRE(r.invalid_points == 7);
  REQUIRE(r.first_problem == "c: fractional value in an integer metric");
  REQUIRE(metric_named(req, "c").sum().data_points(0).as_int() == 5);
  REQUIRE(metric_named(req, "h").histogram().data_points_size() == 0);
}

TEST_CASE("gzip_compress output inflates back to the input") {
  std::string input;
  for (int i = 0; i < 1000; ++i) input += "gen_ai.usage.input_tokens ";
  auto gz = gzip_compress(input);
  REQUIRE(gz);
  REQUIRE(gz->size() < input.size() / 10);
  REQUIRE(uint8_t((*gz)[0]) == 0x1f);
  REQUIRE(uint8_t((*gz)[1]) == 0x8b);
  REQUIRE(testing::gunzip(*gz) == input);
  REQUIRE(testing::gunzip(*gzip_compress("")) == "");
}
