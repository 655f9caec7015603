#include "metrics/metrics_registry.h"

#include <catch2/catch.hpp>
#include <thread>

#include "metrics/metric_names.h"

using namespace agentprof;

namespace {

Span chat_span() {
  Span s;
  s.name = "chat gpt-4o";
  s.start_unix_ns = 1'000'000'000;
  s.end_unix_ns = 1'320'000'000;  // 0.32 s: exactly a duration bound
  s.attributes = {{"gen_ai.operation.name", std::string("chat")},
                  {"gen_ai.provider.name", std::string("openai")},
                  {"gen_ai.request.model", std::string("gpt-4o")},
                  {"gen_ai.response.model", std::string("gpt-4o-2024-08-06")},
                  {"gen_ai.request.stream", true},
                  {"gen_ai.usage.input_tokens", int64_t(16)},
                  {"gen_ai.usage.output_tokens", int64_t(17)},
                  {"gen_ai.response.time_to_first_chunk", 0.08},
                  {"server.address", std::string("api.openai.com")},
                  {"server.port", int64_t(443)},
                  {"process.executable.name", std::string("python3")},
                  {"agentprof.output_chunks", int64_t(5)},
                  {"agentprof.chunk_gap.mean_s", 0.02},
                  {"agentprof.cost_usd", 0.0002}};
  return s;
}

const MetricFamily& family_of(const MetricsSnapshot& snap, const std::string& name) {
  for (const auto& f : snap.families)
    if (f.name == name) return f;
  FAIL("no family " << name);
  throw 0;
}

std::string label(const std::vector<MetricLabel>& labels, const std::string& key) {
  for (const auto& l : labels)
    if (l.key == key) return l.value;
  return "<absent>";
}

size_t bucket_of(const HistogramPoint& h) {
  REQUIRE(h.count == 1);
  for (size_t i = 0; i < h.bucket_counts.size(); ++i)
    if (h.bucket_counts[i] == 1) return i;
  return SIZE_MAX;
}

}  // namespace

TEST_CASE("a streaming chat span feeds every GenAI histogram with the common labels") {
  MetricsRegistry reg({.max_series_per_family = 100, .self_metrics = false});
  reg.on_span(chat_span());
  MetricsSnapshot snap = reg.snapshot();

  const auto& tokens = family_of(snap, metric::kTokenUsage);
  CHECK(tokens.unit == "{token}");
  CHECK(tokens.kind == MetricKind::kHistogram);
  REQUIRE(tokens.histograms.size() == 2);
  const auto& in = tokens.histograms[0];
  CHECK(label(in.labels, "gen_ai.token.type") == "input");
  CHECK(label(in.labels, "gen_ai.operation.name") == "chat");
  CHECK(label(in.labels, "gen_ai.provider.name") == "openai");
  CHECK(label(in.labels, "gen_ai.request.model") == "gpt-4o");
  CHECK(label(in.labels, "gen_ai.response.model") == "gpt-4o-2024-08-06");
  CHECK(label(in.labels, "server.address") == "api.openai.com");
  CHECK(label(in.labels, "server.port") == "443");
  CHECK(label(in.labels, "error.type") == "<absent>");
  CHECK(label(in.labels, "process.executable.name") == "<absent>");
  CHECK(bucket_of(in) == 2);  // 16 -> le=16
  CHECK(in.sum == 16);
  CHECK(label(tokens.histograms[1].labels, "gen_ai.token.type") == "output");
  CHECK(bucket_of(tokens.histograms[1]) == 3);  // 17 -> le=64

  const auto& duration = family_of(snap, metric::kOperationDuration);
  CHECK(duration.unit == "s");
  REQUIRE(duration.histograms.size() == 1);
  CHECK(bucket_of(duration.histograms[0]) == 5);  // 0.32 -> le=0.32
  CHECK(duration.histograms[0].sum == Approx(0.32));

  const auto& ttft = family_of(snap, metric::kTimeToFirstChunk);
  REQUIRE(ttft.histograms.size() == 1);
  CHECK(bucket_of(ttft.histograms[0]) == 3);  // 0.08 -> le=0.08

  const auto& per_chunk = family_of(snap, metric::kTimePerOutputChunk);
  REQUIRE(per_chunk.histograms.size() == 1);
  CHECK(per_chunk.histograms[0].sum == 0.02);
  CHECK(bucket_of(per_chunk.histograms[0]) == 1);

  const auto& calls = family_of(snap, metric::kCalls);
  REQUIRE(calls.numbers.size() == 1);
  CHECK(calls.numbers[0].value == 1);
  CHECK(label(calls.numbers[0].labels, "process.executable.name") == "python3");
  CHECK(family_of(snap, metric::kCost).numbers.at(0).value == 0.0002);
  CHECK(family_of(snap, metric::kUnpricedCalls).numbers.empty());
  CHECK(family_of(snap, metric::kErrors).numbers.empty());
  CHECK(family_of(snap, metric::kRejectedValues).numbers.empty());
  CHECK(reg.spans_seen() == 1);
}

TEST_CASE("absent token counts are never recorded, not even as zero") {
  MetricsRegistry reg({.max_series_per_family = 100, .self_metrics = false});
  Span s = chat_span();
  std::erase_if(s.attributes, [](const Attribute& a) {
    return a.key == "gen_ai.usage.output_tokens" || a.key == "agentprof.cost_usd";
  });
  reg.on_span(s);
  s.attributes.erase(s.attributes.begin() + 5);  // input tokens gone too
  reg.on_span(s);
  MetricsSnapshot snap = reg.snapshot();
  const auto& tokens = family_of(snap, metric::kTokenUsage);
  REQUIRE(tokens.histograms.size() == 1);
  CHECK(label(tokens.histograms[0].labels, "gen_ai.token.type") == "input");
  CHECK(tokens.histograms[0].count == 1);
  CHECK(family_of(snap, metric::kCalls).numbers.at(0).value == 2);
  CHECK(family_of(snap, metric::kUnpricedCalls).numbers.at(0).value == 2);
}

TEST_CASE("non-streaming, single-chunk and timing-missing spans skip the histograms they cannot fill") {
  MetricsRegistry reg({.max_series_per_family = 100, .self_metrics = false});
  Span s = chat_span();
  for (auto& a : s.attributes) {
    if (a.key == "gen_ai.request.stream") a.value = false;
  }
  reg.on_span(s);  // not a stream: no TTFT, no per-chunk
  Span one_chunk = chat_span();
  for (auto& a : one_chunk.attributes)
    if (a.key == "agentprof.output_chunks") a.value = int64_t(1);
  reg.on_span(one_chunk);  // TTFT yes, per-chunk no
  Span untimed = chat_span();
  untimed.attributes.push_back({"agentprof.timing.missing", true});
  reg.on_span(untimed);  // no duration
  MetricsSnapshot snap = reg.snapshot();
  CHECK(family_of(snap, metric::kOperationDuration).histograms.at(0).count == 2);
  CHECK(family_of(snap, metric::kTimeToFirstChunk).histograms.at(0).count == 2);
  CHECK(family_of(snap, metric::kTimePerOutputChunk).histograms.at(0).count == 1);
}

TEST_CASE("errors count by error.type, which also labels the histograms") {
  MetricsRegistry reg({.max_series_per_family = 100, .self_metrics = false});
  Span s = chat_span();
  s.error = true;
  s.attributes.push_back({"error.type", std::string("429")});
  reg.on_span(s);
  reg.on_span(s);
  Span other = chat_span();
  other.error = true;  // error without a type
  reg.on_span(other);
  MetricsSnapshot snap = reg.snapshot();
  const auto& errors = family_of(snap, metric::kErrors);
  REQUIRE(errors.numbers.size() == 2);
  CHECK(label(errors.numbers[0].labels, "error.type") == "429");
  CHECK(errors.numbers[0].value == 2);
  CHECK(label(errors.numbers[1].labels, "error.type") == "_OTHER");
  const auto& duration = family_of(snap, metric::kOperationDuration);
  REQUIRE(duration.histograms.size() == 2);
  CHECK(label(duration.histograms[0].labels, "error.type") == "429");
  CHECK(label(duration.histograms[1].labels, "error.type") == "<absent>");
}

TEST_CASE("invalid measurements are rejected and counted, never recorded") {
  MetricsRegistry reg({.max_series_per_family = 100, .self_metrics = false});
  Span s = chat_span();
  for (auto& a : s.attributes) {
    if (a.key == "gen_ai.usage.input_tokens") a.value = int64_t(-5);
    if (a.key == "gen_ai.response.time_to_first_chunk") a.value = std::numeric_limits<double>::quiet_NaN();
    if (a.key == "agentprof.cost_usd") a.value = -1.0;
  }
  s.end_unix_ns = s.start_unix_ns - 1;
  reg.on_span(s);
  MetricsSnapshot snap = reg.snapshot();
  CHECK(family_of(snap, metric::kRejectedValues).numbers.at(0).value == 4);
  CHECK(family_of(snap, metric::kTokenUsage).histograms.size() == 1);  // output only
  CHECK(family_of(snap, metric::kTimeToFirstChunk).histograms.empty());
  CHECK(family_of(snap, metric::kOperationDuration).histograms.empty());
  CHECK(family_of(snap, metric::kCost).numbers.empty());
  CHECK(family_of(snap, metric::kUnpricedCalls).numbers.at(0).value == 1);
}

TEST_CASE("label cardinality is bounded per family and the overflow is counted") {
  MetricsRegistry reg({.max_series_per_family = 4, .self_metrics = false});
  for (int i = 0; i < 10; ++i) {
    Span s = chat_span();
    for (auto& a : s.attributes)
      if (a.key == "gen_ai.request.model") a.value = "model-" + std::to_string(i);
    reg.on_span(s);
  }
  MetricsSnapshot snap = reg.snapshot();
  const auto& calls = family_of(snap, metric::kCalls);
  REQUIRE(calls.numbers.size() == 4);
  CHECK(label(calls.numbers[3].labels, "otel.metric.overflow") == "true");
  CHECK(calls.numbers[3].value == 7);
  double total = 0;
  for (const auto& n : calls.numbers) total += n.value;
  CHECK(total == 10);  // nothing lost, only folded
  const auto& overflow = family_of(snap, metric::kSeriesOverflow);
  bool found = false;
  for (const auto& n : overflow.numbers)
    if (label(n.labels, "metric") == metric::kCalls) {
      found = true;
      CHECK(n.value == 7);
    }
  CHECK(found);
}

TEST_CASE("external counters and gauges: declare, set, collectors, kind mismatch rejected") {
  MetricsRegistry reg({.max_series_per_family = 100, .self_metrics = false});
  reg.declare("agentprof.capture.bytes", MetricKind::kCounter, "By", "Bytes captured.", true);
  reg.set_counter("agentprof.capture.bytes", {{"source", "tls"}}, 100);
  reg.set_counter("agentprof.capture.bytes", {{"source", "tls"}}, 150);
  int queue_depth = 3;
  reg.add_collector([&](MetricsRegistry& r) { r.set_gauge("agentprof.queue.depth", {}, queue_depth); });
  reg.set_gauge("agentprof.capture.bytes", {}, 1);  // wrong kind
  reg.set_counter("agentprof.capture.bytes", {{"source", "x"}}, -1);  // counters never go negative
  MetricsSnapshot snap = reg.snapshot();
  const auto& bytes = family_of(snap, "agentprof.capture.bytes");
  CHECK(bytes.unit == "By");
  CHECK(bytes.integer);
  REQUIRE(bytes.numbers.size() == 1);
  CHECK(bytes.numbers[0].value == 150);
  CHECK(family_of(snap, "agentprof.queue.depth").kind == MetricKind::kGauge);
  CHECK(family_of(snap, "agentprof.queue.depth").numbers.at(0).value == 3);
  CHECK(family_of(snap, metric::kRejectedValues).numbers.at(0).value == 2);
  queue_depth = 9;
  CHECK(family_of(reg.snapshot(), "agentprof.queue.depth").numbers.at(0).value == 9);
}

TEST_CASE("self metrics report this process's CPU and RSS") {
  MetricsRegistry reg;
  MetricsSnapshot snap = reg.snapshot();
  CHECK(snap.time_unix_ns >= snap.start_unix_ns);
  const auto& cpu = family_of(snap, metric::kProcessCpuTime);
  REQUIRE(cpu.numbers.size() == 2);
  CHECK(label(cpu.numbers[0].labels, "cpu.mode") == "user");
  CHECK(family_of(snap, metric::kProcessMemoryUsage).numbers.at(0).value > 1024 * 1024);
}

TEST_CASE("on_span from several threads loses nothing") {
  MetricsRegistry reg({.max_series_per_family = 100, .self_metrics = false});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      Span s = chat_span();
      for (int i = 0; i < 2000; ++i) reg.on_span(s);
    });
  std::thread reader([&] {
    for (int i = 0; i < 20; ++i) (void)reg.snapshot();
  });
  for (auto& t : threads) t.join();
  reader.join();
  MetricsSnapshot snap = reg.snapshot();
  CHECK(family_of(snap, metric::kCalls).numbers.at(0).value == 8000);
  CHECK(family_of(snap, metric::kTokenUsage).histograms.at(0).count == 8000);
}
