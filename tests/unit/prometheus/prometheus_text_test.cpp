#include "exporters/prometheus/prometheus_text.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "metrics/metrics_registry.h"

using namespace agentprof;

namespace {

MetricsSnapshot two_family_snapshot() {
  MetricsSnapshot snap;
  MetricFamily h;
  h.name = "gen_ai.client.operation.duration";
  h.unit = "s";
  h.description = "Duration";
  h.kind = MetricKind::kHistogram;
  HistogramPoint p;
  p.labels = {{"gen_ai.provider.name", "openai"}};
  p.bounds = {0.01, 0.02, 0.04};
  p.bucket_counts = {1, 0, 2, 3};
  p.count = 6;
  p.sum = 12.5;
  h.histograms.push_back(p);
  snap.families.push_back(h);

  MetricFamily c;
  c.name = "agentprof.calls";
  c.unit = "{call}";
  c.description = "Calls.\nWith \\ backslash";
  c.kind = MetricKind::kCounter;
  c.numbers.push_back({{{"gen_ai.request.model", "a\"b\\c\nd"}, {"process.executable.name", "node"}}, 3});
  c.numbers.push_back({{}, 1});
  snap.families.push_back(c);

  MetricFamily empty;
  empty.name = "agentprof.empty";
  empty.kind = MetricKind::kGauge;
  snap.families.push_back(empty);
  return snap;
}

// Runs promtool on `text`; returns its exit status, or -1 when promtool is not installed.
int promtool_check(const std::string& text, std::string& output) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) return -1;
  char path[] = "/tmp/agentprof-prom-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, text.data(), text.size()) == ssize_t(text.size()));
  close(fd);
  std::string cmd = std::string("promtool check metrics < ") + path + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  char buf[512];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) output.append(buf, n);
  int status = pclose(p);
  unlink(path);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

bool ci() {
  const char* v = std::getenv("CI");
  return v && std::string(v) == "true";
}

}  // namespace

TEST_CASE("histograms render cumulative buckets, +Inf = count, _sum and _count") {
  std::string text = render_prometheus_text(two_family_snapshot());
  CHECK(text ==
        "# HELP gen_ai_client_operation_duration_seconds Duration\n"
        "# TYPE gen_ai_client_operation_duration_seconds histogram\n"
        "gen_ai_client_operation_duration_seconds_bucket{gen_ai_provider_name=\"openai\",le=\"0.01\"} 1\n"
        "gen_ai_client_operation_duration_seconds_bucket{gen_ai_provider_name=\"openai\",le=\"0.02\"} 1\n"
        "gen_ai_client_operation_duration_seconds_bucket{gen_ai_provider_name=\"openai\",le=\"0.04\"} 3\n"
        "gen_ai_client_operation_duration_seconds_bucket{gen_ai_provider_name=\"openai\",le=\"+Inf\"} 6\n"
        "gen_ai_client_operation_duration_seconds_sum{gen_ai_provider_name=\"openai\"} 12.5\n"
        "gen_ai_client_operation_duration_seconds_count{gen_ai_provider_name=\"openai\"} 6\n"
        "# HELP agentprof_calls_total Calls.\\nWith \\\\ backslash\n"
        "# TYPE agentprof_calls_total counter\n"
        "agentprof_calls_total{gen_ai_request_model=\"a\\\"b\\\\c\\nd\",process_executable_name=\"node\"} 3\n"
        "agentprof_calls_total 1\n");
}

TEST_CASE("sample values: integers plain, fractions shortest round-trip, specials spelled out") {
  std::string out;
  for (double v : {0.0, 3.0, -2.0, 0.1, 1e-7, 67108864.0, 1e20}) {
    append_prometheus_value(out, v);
    out += ' ';
  }
  append_prometheus_value(out, std::numeric_limits<double>::infinity());
  out += ' ';
  append_prometheus_value(out, -std::numeric_limits<double>::infinity());
  out += ' ';
  append_prometheus_value(out, std::numeric_limits<double>::quiet_NaN());
  CHECK(out == "0 3 -2 0.1 1e-07 67108864 1e+20 +Inf -Inf NaN");
}

TEST_CASE("label names that collide after renaming keep both values, joined by ';'") {
  MetricsSnapshot snap;
  MetricFamily g;
  g.name = "g";
  g.kind = MetricKind::kGauge;
  g.numbers.push_back({{{"a.b", "1"}, {"a_b", "2"}}, 5});
  snap.families.push_back(g);
  CHECK(render_prometheus_text(snap) == "# HELP g g\n# TYPE g gauge\ng{a_b=\"1;2\"} 5\n");
}

TEST_CASE("a registry snapshot passes promtool check metrics") {
  MetricsRegistry reg;
  Span s;
  s.start_unix_ns = 1'000'000'000;
  s.end_unix_ns = 1'500'000'000;
  s.error = true;
  s.attributes = {{"gen_ai.operation.name", std::string("chat")},
                  {"gen_ai.provider.name", std::string("anthropic")},
                  {"gen_ai.request.model", std::string("claude \"sonnet\"\n4")},
                  {"gen_ai.request.stream", true},
                  {"gen_ai.usage.input_tokens", int64_t(1024)},
                  {"gen_ai.usage.output_tokens", int64_t(7)},
                  {"gen_ai.response.time_to_first_chunk", 0.3},
                  {"agentprof.output_chunks", int64_t(3)},
                  {"agentprof.chunk_gap.mean_s", 0.05},
                  {"error.type", std::string("overloaded_error")},
                  {"server.port", int64_t(443)},
                  {"agentprof.cost_usd", 0.5}};
  reg.on_span(s);
  reg.declare("agentprof.capture.bytes", MetricKind::kCounter, "By", "Bytes captured.", true);
  reg.set_counter("agentprof.capture.bytes", {{"source", "tls"}}, 4096);
  std::string text = render_prometheus_text(reg.snapshot());
  CHECK(text.find("gen_ai_client_token_usage_bucket{") != std::string::npos);
  CHECK(text.find("agentprof_errors_total{") != std::string::npos);
  CHECK(text.find("agentprof_capture_bytes_total{source=\"tls\"} 4096\n") != std::string::npos);
  CHECK(text.find("process_cpu_time_seconds_total{cpu_mode=\"user\"}") != std::string::npos);

  std::string output;
  int status = promtool_check(text, output);
  if (status == -1) {
    if (ci()) FAIL("promtool is not installed (apt-get install prometheus); required under CI=true");
    WARN("promtool not installed: skipped the promtool check");
    return;
  }
  INFO(output);
  CHECK(status == 0);
}
