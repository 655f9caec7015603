// Renders snapshots in the Prometheus text format and reports the time per render; the scrape
// budget is 50 ms for 10k series. Two sizes: 10k Prometheus series (sample lines; one histogram
// point is 17 of them) and 10k OpenTelemetry points (histogram points counted once, ~170k lines).
//   cmake --build <dir> --target prometheus_render_bench && <dir>/bench/prometheus_render_bench
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include <httplib.h>

#include "endpoint/local_http_server.h"
#include "endpoint/metrics_route.h"
#include "exporters/prometheus/prometheus_text.h"
#include "metrics/metrics_registry.h"

using namespace agentprof;

namespace {

// Each span has its own model, so it adds 2 token + 3 time histogram points and 2 counter points.
void run(const char* label, int spans) {
  MetricsRegistry reg({.max_series_per_family = size_t(spans) * 2 + 10, .self_metrics = true});
  for (int i = 0; i < spans; ++i) {
    Span s;
    s.start_unix_ns = 1'000'000'000;
    s.end_unix_ns = 1'000'000'000 + uint64_t(i) * 1'000'000;
    s.attributes = {{"gen_ai.operation.name", std::string("chat")},
                    {"gen_ai.provider.name", std::string("openai")},
                    {"gen_ai.request.model", "model-" + std::to_string(i)},
                    {"gen_ai.response.model", "model-" + std::to_string(i) + "-2025"},
                    {"gen_ai.request.stream", true},
                    {"gen_ai.usage.input_tokens", int64_t(100 + i)},
                    {"gen_ai.usage.output_tokens", int64_t(10 + i)},
                    {"gen_ai.response.time_to_first_chunk", 0.25},
                    {"agentprof.output_chunks", int64_t(12)},
                    {"agentprof.chunk_gap.mean_s", 0.03},
                    {"server.address", std::string("api.openai.com")},
                    {"server.port", int64_t(443)},
                    {"process.executable.name", std::string("python3")},
                    {"agentprof.cost_usd", 0.001}};
    reg.on_span(s);
  }
  MetricsSnapshot snap = reg.snapshot();
  size_t points = 0;
  for (const auto& f : snap.families) points += f.numbers.size() + f.histograms.size();
  size_t lines = 0;

  constexpr int kRounds = 20;
  double best_ms = 1e9, total_ms = 0;
  size_t bytes = 0;
  for (int r = 0; r < kRounds; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    std::string text = render_prometheus_text(snap);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    bytes = text.size();
    lines = 0;
    for (size_t pos = 0; pos < text.size(); pos = text.find('\n', pos) + 1)
      if (text[pos] != '#') ++lines;
    best_ms = std::min(best_ms, ms);
    total_ms += ms;
  }
  auto t0 = std::chrono::steady_clock::now();
  MetricsSnapshot again = reg.snapshot();
  double snapshot_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%s: otel_points=%zu prometheus_series=%zu text_bytes=%zu render_ms_best=%.2f "
              "render_ms_mean=%.2f snapshot_ms=%.2f\n",
              label, points, lines, bytes, best_ms, total_ms / kRounds, snapshot_ms);
  if (again.families.empty()) std::abort();

  // A whole scrape over HTTP (snapshot + render + send), plain and gzip-compressed as Prometheus asks.
  LocalHttpServer server({"127.0.0.1", 0});
  add_metrics_route(server, [&reg] { return reg.snapshot(); });
  std::string error;
  if (!server.start(&error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    std::abort();
  }
  for (const char* encoding : {"identity", "gzip"}) {
    httplib::Client client("127.0.0.1", server.port());
    client.set_decompress(false);
    double best = 1e9;
    size_t body = 0;
    for (int r = 0; r < 5; ++r) {
      auto s0 = std::chrono::steady_clock::now();
      auto res = client.Get("/metrics", {{"Accept-Encoding", encoding}});
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s0).count();
      if (!res || res->status != 200) std::abort();
      body = res->body.size();
      best = std::min(best, ms);
    }
    std::printf("  scrape %s: body_bytes=%zu scrape_ms_best=%.2f\n", encoding, body, best);
  }
}

}  // namespace

int main() {
  run("10k prometheus series", 10000 / 87);
  run("10k otel points", 10000 / 7);
  return 0;
}
