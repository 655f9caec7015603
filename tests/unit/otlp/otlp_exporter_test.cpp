// OtlpHttpExporter against a real local OTLP/HTTP receiver: delivery, batching, gzip, headers,
// metrics, and the fault cases (collector away, 503 + Retry-After, 400, partial success, slow).
#include <catch2/catch.hpp>

#include <set>

#include "exporters/otlp/otlp_http_exporter.h"
#include "otlp_test_receiver.h"

using namespace agentprof;
using namespace agentprof::otlp;
using namespace agentprof::otlp::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace pb_common = opentelemetry::proto::common::v1;

namespace {

OtlpExporterConfig fast_config(const TestReceiver& rx) {
  OtlpExporterConfig c;
  c.endpoint = rx.base_url();
  c.batch_delay = 50ms;
  c.timeout = 2000ms;
  c.retry_initial_backoff = 20ms;
  c.retry_max_backoff = 100ms;
  c.retry_max_elapsed = 20000ms;
  c.service_name = "otlp-test";
  return c;
}

Span make_span(uint64_t n) {
  Span s;
  for (size_t i = 0; i < 8; ++i) {
    s.trace_id[i] = uint8_t(n >> (8 * i));
    s.span_id[i] = uint8_t(n >> (8 * i));
  }
  s.trace_id[15] = 1;  // never all-zero
  s.span_id[7] |= 0x80;
  s.name = "chat model-x";
  s.start_unix_ns = 1700000000000000000ull + n;
  s.end_unix_ns = s.start_unix_ns + 1000;
  s.attributes = {{"gen_ai.request.model", std::string("model-x")},
                  {"gen_ai.usage.output_tokens", int64_t(n)},
                  {"gen_ai.server.time_to_first_token", 0.125},
                  {"gen_ai.response.streaming", n % 2 == 0},
                  {"gen_ai.response.finish_reasons", std::vector<std::string>{"stop"}}};
  return s;
}

uint64_t sequence_of(const opentelemetry::proto::trace::v1::Span& s) {
  for (const auto& kv : s.attributes())
    if (kv.key() == "gen_ai.usage.output_tokens") return uint64_t(kv.value().int_value());
  return UINT64_MAX;
}

}  // namespace

TEST_CASE("exporter delivers every span with exact attribute types, resource and headers") {
  TestReceiver rx;
  OtlpExporterConfig c = fast_config(rx);
  std::string env_error = apply_otel_env(c, [](const char* name) -> const char* {
    std::string n = name;
    if (n == "OTEL_EXPORTER_OTLP_HEADERS") return "authorization=Bearer%20tok-123,x-scope-orgid=tenant%2F1";
    if (n == "OTEL_RESOURCE_ATTRIBUTES") return "deployment.environment=ci";
    return nullptr;
  });
  REQUIRE(env_error.empty());
  c.endpoint = rx.base_url();
  OtlpHttpExporter exporter(c);
  for (uint64_t i = 0; i < 10; ++i) exporter.on_span(make_span(i));
  REQUIRE(exporter.flush(5s));

  auto spans = rx.all_spans();
  REQUIRE(spans.size() == 10);
  std::set<uint64_t> seen;
  for (const auto& s : spans) {
    uint64_t n = sequence_of(s);
    seen.insert(n);
    Span want = make_span(n);
    REQUIRE(s.span_id() == std::string(reinterpret_cast<const char*>(want.span_id.data()), 8));
    REQUIRE(s.trace_id().size() == 16);
    REQUIRE(s.start_time_unix_nano() == want.start_unix_ns);
    REQUIRE(s.attributes_size() == 5);
    REQUIRE(s.attributes(0).value().value_case() == pb_common::AnyValue::kStringValue);
    REQUIRE(s.attributes(1).value().value_case() == pb_common::AnyValue::kIntValue);
    REQUIRE(s.attributes(2).value().value_case() == pb_common::AnyValue::kDoubleValue);
    REQUIRE(s.attributes(2).value().double_value() == 0.125);
    REQUIRE(s.attributes(3).value().value_case() == pb_common::AnyValue::kBoolValue);
    REQUIRE(s.attributes(3).value().bool_value() == (n % 2 == 0));
    REQUIRE(s.attributes(4).value().value_case() == pb_common::AnyValue::kArrayValue);
    REQUIRE(s.attributes(4).value().array_value().values(0).string_value() == "stop");
  }
  REQUIRE(seen.size() == 10);

  auto reqs = rx.trace_requests();
  const auto& resource = reqs.at(0).resource_spans(0).resource();
  std::map<std::string, std::string> attrs;
  for (const auto& kv : resource.attributes()) attrs[kv.key()] = kv.value().string_value();
  REQUIRE(attrs["service.name"] == "otlp-test");
  REQUIRE(attrs["deployment.environment"] == "ci");
  REQUIRE_FALSE(attrs["host.name"].empty());

  auto raw = rx.requests("/v1/traces");
  REQUIRE(raw.at(0).headers["content-type"] == "application/x-protobuf");
  REQUIRE(raw.at(0).headers["authorization"] == "Bearer tok-123");
  REQUIRE(raw.at(0).headers["x-scope-orgid"] == "tenant/1");
  REQUIRE(raw.at(0).headers.count("content-encoding") == 0);

  OtlpExporterStats st = exporter.stats();
  REQUIRE(st.spans_enqueued == 10);
  REQUIRE(st.spans_exported == 10);
  REQUIRE(st.requests_ok == raw.size());
  REQUIRE(st.requests_failed == 0);
  REQUIRE(st.queue_depth == 0);
  REQUIRE(exporter.shutdown(2s));
  exporter.on_span(make_span(99));  // after shutdown: counted, not queued
  REQUIRE(exporter.stats().spans_dropped_shutdown == 1);
}

TEST_CASE("gzip: bodies are sent gzip-encoded and smaller") {
  TestReceiver rx;
  OtlpExporterConfig c = fast_config(rx);
  c.gzip = true;
  OtlpHttpExporter exporter(c);
  for (uint64_t i = 0; i < 500; ++i) exporter.on_span(make_span(i));
  REQUIRE(exporter.flush(5s));
  auto raw = rx.requests("/v1/traces");
  REQUIRE_FALSE(raw.empty());
  size_t decoded_bytes = 0;
  for (const auto& r : raw) {
    REQUIRE(r.headers.at("content-encoding") == "gzip");
    decoded_bytes += r.body.size();
  }
  REQUIRE(rx.all_spans().size() == 500);
  REQUIRE(exporter.stats().bytes_sent < decoded_bytes / 2);
}

TEST_CASE("batches are cut by size without waiting for the delay, and by time") {
  TestReceiver rx;
  OtlpExporterConfig c = fast_config(rx);
  c.max_batch_spans = 100;
  c.batch_delay = 300ms;
  OtlpHttpExporter exporter(c);
  auto t0 = Clock::now();
  for (uint64_t i = 0; i < 200; ++i) exporter.on_span(make_span(i));
  REQUIRE(rx.wait_for_spans(200, 3s) == 200);
  REQUIRE(Clock::now() - t0 < 250ms);  // two full batches went before the delay
  auto reqs = rx.trace_requests();
  REQUIRE(reqs.size() == 2);
  for (const auto& r : reqs) REQUIRE(r.resource_spans(0).scope_spans(0).spans_size() == 100);

  t0 = Clock::now();
  exporter.on_span(make_span(1000));
  REQUIRE(rx.wait_for_spans(201, 3s) == 201);
  auto waited = Clock::now() - t0;
  REQUIRE(waited >= 250ms);  // a lone span waits for the batch delay...
  REQUIRE(waited < 1500ms);  // ...and not much longer
}

TEST_CASE("metrics snapshots are exported; only the newest pending one is kept") {
  TestReceiver rx;
  OtlpHttpExporter exporter(fast_config(rx));
  MetricsSnapshot snap;
  snap.start_unix_ns = 10;
  snap.time_unix_ns = 20;
  snap.families.push_back({"agentprof.calls", "calls", "{call}", MetricKind::kCounter, true, {{{}, 3}}, {}});
  exporter.export_metrics(snap);
  REQUIRE(exporter.flush(5s));
  auto reqs = rx.metrics_requests();
  REQUIRE(reqs.size() == 1);
  const auto& m = reqs[0].resource_metrics(0).scope_metrics(0).metrics(0);
  REQUIRE(m.name() == "agentprof.calls");
  REQUIRE(m.sum().data_points(0).as_int() == 3);
  REQUIRE(m.sum().is_monotonic());
  REQUIRE(exporter.stats().metric_points_exported == 1);

  // Receiver stalls the next request: snapshots offered meanwhile collapse to the newest.
  std::atomic<bool> release{false};
  rx.set_reply([&](const ReceivedRequest&, size_t n, httplib::Response&) {
    if (n == 1)
      while (!release.load()) std::this_thread::sleep_for(5ms);
  });
  exporter.export_metrics(snap);
  std::this_thread::sleep_for(100ms);  // the worker is now inside the stalled request
  for (int v = 4; v <= 6; ++v) {
    snap.families[0].numbers[0].value = v;
    exporter.export_metrics(snap);
  }
  release = true;
  REQUIRE(exporter.flush(5s));
  reqs = rx.metrics_requests();
  REQUIRE(reqs.size() == 3);
  REQUIRE(reqs[2].resource_metrics(0).scope_metrics(0).metrics(0).sum().data_points(0).as_int() == 6);
  REQUIRE(exporter.stats().metric_snapshots_replaced == 2);
  REQUIRE(exporter.stats().metric_snapshots_enqueued == 5);
}

TEST_CASE("collector away then back: nothing lost within the queue bound, drops counted beyond") {
  int port = 0;
  {
    TestReceiver probe;
    port = probe.port();
  }  // now nobody listens there
  OtlpExporterConfig c;
  c.endpoint = "http://127.0.0.1:" + std::to_string(port);
  c.batch_delay = 20ms;
  c.timeout = 1000ms;
  c.max_queue_spans = 1000;
  c.max_batch_spans = 100;
  c.retry_initial_backoff = 20ms;
  c.retry_max_backoff = 100ms;
  c.retry_max_elapsed = 20000ms;
  OtlpHttpExporter exporter(c);
  const uint64_t offered = 1500;
  for (uint64_t i = 0; i < offered; ++i) exporter.on_span(make_span(i));
  std::this_thread::sleep_for(300ms);
  OtlpExporterStats down = exporter.stats();
  REQUIRE(down.spans_exported == 0);
  REQUIRE(down.retries > 0);
  REQUIRE(down.spans_dropped_queue_full >= offered - c.max_queue_spans - c.max_batch_spans);
  REQUIRE(down.spans_enqueued + down.spans_dropped_queue_full == offered);
  REQUIRE(down.last_error.find("cannot send to") != std::string::npos);

  TestReceiver rx(port);
  REQUIRE(exporter.flush(10s));
  OtlpExporterStats up = exporter.stats();
  REQUIRE(up.spans_exported == down.spans_enqueued);  // every queued span made it
  REQUIRE(up.spans_failed == 0);
  auto spans = rx.all_spans();
  REQUIRE(spans.size() == up.spans_exported);
  std::set<uint64_t> unique;
  for (const auto& s : spans) unique.insert(sequence_of(s));
  REQUIRE(unique.size() == spans.size());  // no duplicates either
  REQUIRE(exporter.shutdown(2s));  // before the receiver goes: its stop() waits for open connections
}

TEST_CASE("503 with Retry-After: 1 waits about a second, then succeeds") {
  TestReceiver rx;
  rx.set_reply([](const ReceivedRequest&, size_t n, httplib::Response& res) {
    if (n == 0) {
      res.status = 503;
      res.set_header("Retry-After", "1");
    }
  });
  OtlpHttpExporter exporter(fast_config(rx));
  auto t0 = Clock::now();
  for (uint64_t i = 0; i < 5; ++i) exporter.on_span(make_span(i));
  REQUIRE(exporter.flush(5s));
  auto took = Clock::now() - t0;
  REQUIRE(took >= 950ms);  // the 20 ms backoff would have been far shorter
  REQUIRE(took < 3s);
  OtlpExporterStats st = exporter.stats();
  REQUIRE(st.retries == 1);
  REQUIRE(st.requests_failed == 1);
  REQUIRE(st.requests_ok == 1);
  REQUIRE(st.spans_exported == 5);
  REQUIRE(rx.all_spans().size() == 5);
}

TEST_CASE("400 is not retried: spans counted as rejected, error reported without secrets") {
  TestReceiver rx;
  std::atomic<int> hits{0};
  rx.set_reply([&](const ReceivedRequest&, size_t, httplib::Response& res) {
    ++hits;
    res.status = 400;
  });
  OtlpExporterConfig c = fast_config(rx);
  c.headers = {{"api-key", "SUPERSECRET"}};
  c.traces_endpoint = rx.base_url() + "/v1/traces?key=QUERYSECRET";
  OtlpHttpExporter exporter(c);
  for (uint64_t i = 0; i < 7; ++i) exporter.on_span(make_span(i));
  REQUIRE(exporter.flush(5s));
  std::this_thread::sleep_for(100ms);  // a (wrong) retry would show up here
  OtlpExporterStats st = exporter.stats();
  REQUIRE(hits.load() == 1);
  REQUIRE(st.retries == 0);
  REQUIRE(st.requests_rejected == 1);
  REQUIRE(st.spans_rejected == 7);
  REQUIRE(st.spans_exported == 0);
  REQUIRE(st.last_error.find("HTTP 400") != std::string::npos);
  REQUIRE(st.last_error.find("SUPERSECRET") == std::string::npos);
  REQUIRE(st.last_error.find("QUERYSECRET") == std::string::npos);
}

TEST_CASE("500 and 401 are not retried either; 429 and 502 are") {
  TestReceiver rx;
  std::vector<int> statuses = {429, 502, 200, 500, 401};
  rx.set_reply([&](const ReceivedRequest&, size_t n, httplib::Response& res) {
    if (n < statuses.size()) res.status = statuses[n];
  });
  OtlpExporterConfig c = fast_config(rx);
  c.max_batch_spans = 1;
  OtlpHttpExporter exporter(c);
  exporter.on_span(make_span(1));
  REQUIRE(exporter.flush(5s));
  REQUIRE(exporter.stats().retries == 2);
  REQUIRE(exporter.stats().spans_exported == 1);
  exporter.on_span(make_span(2));
  REQUIRE(exporter.flush(5s));
  exporter.on_span(make_span(3));
  REQUIRE(exporter.flush(5s));
  OtlpExporterStats st = exporter.stats();
  REQUIRE(st.retries == 2);
  REQUIRE(st.spans_rejected == 2);
  REQUIRE(st.requests_rejected == 2);
  REQUIRE(st.last_error.find("HTTP 401") != std::string::npos);
}

TEST_CASE("partial_success: rejected spans and data points are counted, not retried") {
  TestReceiver rx;
  rx.set_reply([](const ReceivedRequest& req, size_t, httplib::Response& res) {
    std::string body;
    if (req.path == "/v1/traces") {
      opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse r;
      r.mutable_partial_success()->set_rejected_spans(2);
      r.mutable_partial_success()->set_error_message("span too large\n");
      r.SerializeToString(&body);
    } else {
      opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse r;
      r.mutable_partial_success()->set_rejected_data_points(1);
      r.mutable_partial_success()->set_error_message("bad point");
      r.SerializeToString(&body);
    }
    res.set_content(body, "application/x-protobuf");
  });
  OtlpHttpExporter exporter(fast_config(rx));
  for (uint64_t i = 0; i < 5; ++i) exporter.on_span(make_span(i));
  REQUIRE(exporter.flush(5s));
  OtlpExporterStats st = exporter.stats();
  REQUIRE(st.spans_exported == 3);
  REQUIRE(st.spans_rejected == 2);
  REQUIRE(st.retries == 0);
  REQUIRE(st.last_error.find("span too large?") != std::string::npos);  // newline made printable

  MetricsSnapshot snap;
  snap.families.push_back({"g", "", "1", MetricKind::kGauge, false, {{{}, 1}, {{{"k", "v"}}, 2}}, {}});
  exporter.export_metrics(snap);
  REQUIRE(exporter.flush(5s));
  st = exporter.stats();
  REQUIRE(st.metric_points_exported == 1);
  REQUIRE(st.metric_points_rejected == 1);
  REQUIRE(st.last_error.find("bad point") != std::string::npos);
}

TEST_CASE("slow receiver: on_span never blocks; shutdown bounds the wait and counts what is left") {
  TestReceiver rx;
  rx.set_reply([](const ReceivedRequest&, size_t, httplib::Response&) { std::this_thread::sleep_for(1s); });
  OtlpExporterConfig c = fast_config(rx);
  OtlpHttpExporter exporter(c);
  const uint64_t offered = 100000;
  std::vector<Span> spans;
  spans.reserve(1000);
  for (uint64_t i = 0; i < 1000; ++i) spans.push_back(make_span(i));
  auto t0 = Clock::now();
  for (uint64_t i = 0; i < offered; ++i) exporter.on_span(spans[i % 1000]);
  auto took = Clock::now() - t0;
  INFO("enqueueing 100k spans took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  REQUIRE(took < 1s);
  OtlpExporterStats st = exporter.stats();
  REQUIRE(st.spans_enqueued + st.spans_dropped_queue_full == offered);
  REQUIRE(st.spans_dropped_queue_full > 0);
  REQUIRE(st.spans_enqueued <= c.max_queue_spans + c.max_batch_spans);

  auto s0 = Clock::now();
  REQUIRE_FALSE(exporter.shutdown(1500ms));  // cannot drain 65k spans at 1 s per request
  REQUIRE(Clock::now() - s0 < 4s);
  st = exporter.stats();
  REQUIRE(st.spans_dropped_shutdown > 0);
  REQUIRE(st.spans_enqueued == st.spans_exported + st.spans_rejected + st.spans_failed + st.spans_dropped_shutdown);
  REQUIRE(st.queue_depth == 0);
}

TEST_CASE("retries give up after max elapsed; spans counted as failed") {
  TestReceiver rx;
  rx.set_reply([](const ReceivedRequest&, size_t, httplib::Response& res) { res.status = 503; });
  OtlpExporterConfig c = fast_config(rx);
  c.retry_max_elapsed = 300ms;
  OtlpHttpExporter exporter(c);
  for (uint64_t i = 0; i < 4; ++i) exporter.on_span(make_span(i));
  REQUIRE(exporter.flush(5s));
  OtlpExporterStats st = exporter.stats();
  REQUIRE(st.spans_failed == 4);
  REQUIRE(st.retries >= 2);
  REQUIRE(st.last_error.find("gave up") != std::string::npos);
}

TEST_CASE("429 with Retry-After as an HTTP date is honoured") {
  TestReceiver rx;
  rx.set_reply([](const ReceivedRequest&, size_t n, httplib::Response& res) {
    if (n == 0) {
      // Two seconds ahead: with 1 s date resolution the wait is between 1 and 2 s.
      time_t when = time(nullptr) + 2;
      tm gmt{};
      gmtime_r(&when, &gmt);
      char date[64];
      strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &gmt);
      res.status = 429;
      res.set_header("Retry-After", date);
    }
  });
  OtlpHttpExporter exporter(fast_config(rx));
  auto t0 = Clock::now();
  exporter.on_span(make_span(1));
  REQUIRE(exporter.flush(5s));
  auto took = Clock::now() - t0;
  REQUIRE(took >= 900ms);
  REQUIRE(took < 3s);
  REQUIRE(exporter.stats().retries == 1);
  REQUIRE(exporter.stats().spans_exported == 1);
}

TEST_CASE("spans with an all-zero id are counted as invalid and never sent") {
  TestReceiver rx;
  OtlpHttpExporter exporter(fast_config(rx));
  Span no_trace = make_span(1);
  no_trace.trace_id = {};
  Span no_span = make_span(2);
  no_span.span_id = {};
  exporter.on_span(no_trace);
  exporter.on_span(no_span);
  exporter.on_span(make_span(3));
  REQUIRE(exporter.flush(5s));
  OtlpExporterStats st = exporter.stats();
  REQUIRE(st.spans_invalid == 2);
  REQUIRE(st.spans_enqueued == 1);
  REQUIRE(rx.all_spans().size() == 1);
}

TEST_CASE("a batch over max_request_bytes is split into several requests") {
  TestReceiver rx;
  OtlpExporterConfig c = fast_config(rx);
  c.max_request_bytes = 8 * 1024;
  OtlpHttpExporter exporter(c);
  for (uint64_t i = 0; i < 200; ++i) exporter.on_span(make_span(i));
  REQUIRE(exporter.flush(5s));
  auto raw = rx.requests("/v1/traces");
  REQUIRE(raw.size() >= 3);
  for (const auto& r : raw) REQUIRE(r.body.size() <= c.max_request_bytes + 1024);  // + resource/scope header
  auto spans = rx.all_spans();
  REQUIRE(spans.size() == 200);
  std::set<uint64_t> unique;
  for (const auto& s : spans) unique.insert(sequence_of(s));
  REQUIRE(unique.size() == 200);
  REQUIRE(exporter.stats().spans_exported == 200);
}

TEST_CASE("the queue is bounded in bytes too: big spans are dropped and counted, not buffered") {
  int port = 0;
  {
    TestReceiver probe;
    port = probe.port();
  }
  OtlpExporterConfig c;
  c.endpoint = "http://127.0.0.1:" + std::to_string(port);
  c.max_queue_bytes = 64 * 1024;
  c.retry_initial_backoff = 50ms;
  c.retry_max_backoff = 100ms;
  OtlpHttpExporter exporter(c);
  Span big = make_span(1);
  big.attributes.push_back({"agentprof.output.text", std::string(10000, 'x')});
  for (int i = 0; i < 100; ++i) exporter.on_span(big);
  OtlpExporterStats st = exporter.stats();
  REQUIRE(st.spans_enqueued <= 7);  // 64 KiB / ~10 KB
  REQUIRE(st.spans_enqueued >= 5);
  REQUIRE(st.spans_dropped_queue_full == 100 - st.spans_enqueued);
  REQUIRE(st.queue_bytes <= c.max_queue_bytes);
  REQUIRE(exporter.shutdown(200ms) == false);  // collector away: gives up at the deadline
}

TEST_CASE("a per-signal traces endpoint is used as-is") {
  TestReceiver rx;
  OtlpExporterConfig c = fast_config(rx);
  c.traces_endpoint = rx.base_url() + "/custom/traces";
  OtlpHttpExporter exporter(c);
  exporter.on_span(make_span(1));
  REQUIRE(exporter.flush(5s));
  REQUIRE(rx.requests("/custom/traces").size() == 1);
  REQUIRE(rx.requests("/v1/traces").empty());
  REQUIRE(rx.all_spans().size() == 1);
}

TEST_CASE("an invalid config neither crashes nor spins: zero sizes raised, bad URL reported") {
  OtlpExporterConfig c;
  c.endpoint = "nosuchscheme://127.0.0.1";
  c.max_batch_spans = 0;
  c.timeout = std::chrono::milliseconds(0);
  c.batch_delay = 10ms;
  OtlpHttpExporter exporter(c);
  REQUIRE(exporter.config().max_batch_spans == 1);
  REQUIRE(exporter.stats().last_error.find("invalid config") != std::string::npos);
  exporter.on_span(make_span(1));
  REQUIRE(exporter.flush(2s));
  OtlpExporterStats st = exporter.stats();
  REQUIRE(st.spans_failed == 1);  // unsupported scheme: not retryable, not a receiver rejection
  REQUIRE(st.retries == 0);
  REQUIRE(st.worker_cpu_ns < 500'000'000);
}
