// `agentprof serve`: the long-running mode for hosts and DaemonSets. Captures like `trace`, and
// sends every span to the embedded store, the metrics registry (Prometheus endpoint, OTLP metrics)
// and, when configured, an OTLP/HTTP collector. SIGTERM flushes everything before exit.
#include "cli/serve_command.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/capture_session.h"
#include "cli/llm_pipeline.h"
#include "http/http_stats.h"
#include "cli/serve_config.h"
#include "cli/signals.h"
#include "exporters/jsonl/jsonl_writer.h"
#include "exporters/otlp/otlp_http_exporter.h"
#include "exporters/prometheus/prometheus_server.h"
#include "metrics/metrics_registry.h"
#include "store/span_store.h"
#include "trace/span_sink.h"

namespace agentprof {

CLI::App* add_serve_command(CLI::App& app, ServeFlags& f) {
  CLI::App* cmd = app.add_subcommand("serve", "Run continuously: store, Prometheus and OTLP export");
  cmd->add_option("-c,--config", f.config_file, "YAML configuration file");
  cmd->add_option("--pid", f.pids, "Trace only these processes and their descendants");
  cmd->add_option("--comm", f.comm, "Trace only processes with this name");
  cmd->add_option("--cgroup", f.cgroup, "Trace only this cgroup v2 directory (and below)");
  cmd->add_option("--port", f.ports, "Plaintext TCP ports to capture")->take_all();
  cmd->add_option("--prometheus", f.prometheus, "Prometheus endpoint host:port (empty: off)");
  cmd->add_option("--store", f.store, "SQLite store path (empty: off)");
  cmd->add_option("--otlp", f.otlp_endpoint, "OTLP/HTTP base URL, e.g. http://collector:4318");
  cmd->add_option("--jsonl", f.jsonl, "Also write spans as JSONL to FILE");
  cmd->add_option("--prices", f.prices, "Price table file overriding the built-in one");
  cmd->add_flag("--content", f.content, "Record prompt and completion text");
  cmd->add_flag("--print-config", f.print_config, "Print the effective configuration and exit");
  return cmd;
}

namespace {

bool split_host_port(const std::string& s, std::string& host, int& port) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  host = s.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  char* end = nullptr;
  long p = strtol(s.c_str() + colon + 1, &end, 10);
  if (*end || p < 0 || p > 65535) return false;
  port = int(p);
  return true;
}

void declare_own_metrics(MetricsRegistry& r) {
  r.declare("agentprof.capture.bytes", MetricKind::kCounter, "By", "Plaintext bytes captured", true);
  r.declare("agentprof.capture.lost", MetricKind::kCounter, "{event}",
            "Bytes or events lost, by reason (ring buffer full, read failures, gaps, ...)", true);
  r.declare("agentprof.probes.attached", MetricKind::kGauge, "{probe}", "TLS uprobes attached", true);
  r.declare("agentprof.probes.failed", MetricKind::kGauge, "{probe}", "TLS uprobe attach failures", true);
  r.declare("agentprof.connections.open", MetricKind::kGauge, "{connection}", "Connections tracked", true);
  r.declare("agentprof.queue.depth", MetricKind::kGauge, "{item}", "Items waiting in an internal queue", true);
  r.declare("agentprof.export.dropped", MetricKind::kCounter, "{span}", "Spans an exporter dropped", true);
  r.declare("agentprof.http.parse_errors", MetricKind::kCounter, "{error}", "HTTP parse errors", true);
}

}  // namespace

int run_serve(const ServeFlags& flags) {
  install_signal_handlers();
  ServeConfig config;
  std::string error;
  if (!load_serve_config(flags, config, error)) {
    fprintf(stderr, "agentprof: %s\n", error.c_str());
    return 2;
  }
  if (flags.print_config) {
    fputs(describe_serve_config(config).c_str(), stdout);
    return 0;
  }
  if (!can_use_bpf(error)) {
    fprintf(stderr, "agentprof: %s\n", error.c_str());
    return 2;
  }

  FanoutSpanSink spans;
  MetricsRegistry registry;
  declare_own_metrics(registry);
  spans.add(registry);

  std::unique_ptr<SpanStore> store;
  if (!config.store.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(config.store).parent_path(), ec);
    SpanStoreOptions so;
    so.path = config.store;
    so.max_age_s = config.store_max_age_s;
    so.max_bytes = config.store_max_bytes;
    store = SpanStore::open(so, &error);
    if (!store) {
      fprintf(stderr, "agentprof: %s\n", error.c_str());
      return 2;
    }
    spans.add(*store);
  }
  std::unique_ptr<otlp::OtlpHttpExporter> exporter;
  if (config.otlp_enabled) {
    exporter = std::make_unique<otlp::OtlpHttpExporter>(config.otlp);
    spans.add(*exporter);
  }
  std::unique_ptr<JsonlWriter> jsonl;
  if (!config.jsonl.empty()) {
    jsonl = JsonlWriter::open(config.jsonl, &error);
    if (!jsonl) {
      fprintf(stderr, "agentprof: %s\n", error.c_str());
      return 2;
    }
    spans.add(*jsonl);
  }
  std::unique_ptr<LlmPipeline> pipeline = LlmPipeline::create({config.content, config.prices}, spans, error);
  if (!pipeline) {
    fprintf(stderr, "agentprof: %s\n", error.c_str());
    return 2;
  }

  std::unique_ptr<PrometheusServer> prometheus;
  if (!config.prometheus.empty()) {
    PrometheusServerOptions po;
    if (!split_host_port(config.prometheus, po.host, po.port)) {
      fprintf(stderr, "agentprof: --prometheus: expected host:port, got '%s'\n", config.prometheus.c_str());
      return 2;
    }
    prometheus = std::make_unique<PrometheusServer>(po, [&registry] { return registry.snapshot(); });
    if (!prometheus->start(&error)) {
      fprintf(stderr, "agentprof: prometheus endpoint: %s\n", error.c_str());
      return 2;
    }
  }

  CaptureSession session;
  if (!session.start(config.capture, pipeline->stream_sink(), error)) {
    fprintf(stderr, "agentprof: %s\n", error.c_str());
    return 2;
  }
  fprintf(stderr, "agentprof: ready: %s; prometheus %s; store %s; otlp %s\n", session.ready_summary().c_str(),
          prometheus ? ("http://" + config.prometheus + "/metrics").c_str() : "off",
          config.store.empty() ? "off" : config.store.c_str(),
          config.otlp_enabled ? otlp::url_for_display(config.otlp.traces_url()).c_str() : "off");
  fflush(stderr);

  // Values owned by the capture thread are pushed into the registry from this thread.
  auto publish = [&] {
    CaptureHealth h = session.health();
    registry.set_counter("agentprof.capture.bytes", {}, double(h.bytes_captured));
    for (const auto& [reason, n] : h.lost) registry.set_counter("agentprof.capture.lost", {{"reason", reason}}, double(n));
    registry.set_gauge("agentprof.probes.attached", {}, h.probes_attached);
    registry.set_gauge("agentprof.probes.failed", {}, h.attach_failures);
    registry.set_gauge("agentprof.connections.open", {}, double(h.open_connections));
    registry.set_gauge("agentprof.queue.depth", {{"queue", "stream_pending_bytes"}}, double(h.pending_bytes));
    registry.set_counter("agentprof.http.parse_errors", {}, double(pipeline->http_stats().parse_errors));
    if (store) {
      SpanStoreStats s = store->stats();
      registry.set_gauge("agentprof.queue.depth", {{"queue", "store"}}, double(s.queue_depth));
      registry.set_counter("agentprof.export.dropped", {{"exporter", "store"}}, double(s.dropped_queue_full));
    }
    if (exporter) {
      otlp::OtlpExporterStats s = exporter->stats();
      registry.set_gauge("agentprof.queue.depth", {{"queue", "otlp"}}, double(s.queue_depth));
      registry.set_counter("agentprof.export.dropped", {{"exporter", "otlp"}},
                           double(s.spans_dropped_queue_full + s.spans_failed + s.spans_rejected));
    }
  };

  uint64_t last_publish = 0, last_metrics_export = monotonic_ns();
  int rc = 0;
  while (!g_stop_requested.load()) {
    if (!session.poll(20, error)) {
      fprintf(stderr, "agentprof: %s\n", error.c_str());
      rc = 1;
      break;
    }
    uint64_t now = monotonic_ns();
    if (now - last_publish >= 1'000'000'000) {
      publish();
      last_publish = now;
    }
    if (exporter && now - last_metrics_export >= uint64_t(config.metrics_interval_s) * 1'000'000'000) {
      exporter->export_metrics(registry.snapshot());
      last_metrics_export = now;
    }
    if (g_counters_requested.exchange(false)) session.print_report(stderr, nullptr);
  }
  // Clean shutdown: every in-flight call completes, then every sink is flushed.
  session.finish();
  publish();
  if (store) store->flush();
  if (jsonl) fflush(nullptr);
  if (exporter) {
    exporter->export_metrics(registry.snapshot());
    if (!exporter->shutdown(std::chrono::seconds(10)))
      fprintf(stderr, "agentprof: OTLP queue not fully sent before shutdown (see counters)\n");
  }
  if (prometheus) prometheus->stop();
  session.print_report(stderr, nullptr);
  pipeline->print_counters(stderr);
  return rc;
}

}  // namespace agentprof
