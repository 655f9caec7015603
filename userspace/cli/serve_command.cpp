// `agentprof serve`: the long-running mode for hosts and DaemonSets. Captures like `trace`, and
// sends every span to the embedded store, the metrics registry (Prometheus endpoint, OTLP metrics)
// and, when configured, an OTLP/HTTP collector. It also profiles CPU continuously (19 Hz), serves
// flame graphs on the local HTTP endpoint and pushes profiles to Pyroscope when configured.
// SIGTERM flushes everything before exit.
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
#include "endpoint/flame_routes.h"
#include "endpoint/local_http_server.h"
#include "endpoint/metrics_route.h"
#include "exporters/jsonl/jsonl_writer.h"
#include "exporters/otlp/otlp_http_exporter.h"
#include "exporters/pyroscope/pyroscope_pusher.h"
#include "metrics/metrics_registry.h"
#include "profile/continuous_profiler.h"
#include "profile/cpu_split_metrics.h"
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
  cmd->add_option("--prometheus", f.prometheus,
                  "Local HTTP endpoint host:port: /metrics and /debug/flame (empty: off)");
  cmd->add_option("--store", f.store, "SQLite store path (empty: off)");
  cmd->add_option("--otlp", f.otlp_endpoint, "OTLP/HTTP base URL, e.g. http://collector:4318");
  cmd->add_option("--jsonl", f.jsonl, "Also write spans as JSONL to FILE");
  cmd->add_option("--prices", f.prices, "Price table file overriding the built-in one");
  cmd->add_flag("--content", f.content, "Record prompt and completion text");
  cmd->add_flag("--hold-new-executables", f.hold_new_executables,
                "Stop a process that runs a file not examined yet until its probes are attached");
  cmd->add_flag("--no-profiling", f.no_profiling, "No continuous CPU profiling");
  cmd->add_option("--profile-frequency", f.profile_frequency, "Continuous profiling rate in Hz (default 19)");
  cmd->add_option("--profile-window", f.profile_window, "Seconds per continuous profiling window (default 10)");
  cmd->add_option("--profile-windows-kept", f.profile_windows_kept, "Recent windows kept in memory (default 30)");
  cmd->add_flag("--profile-llm-processes-only", f.profile_llm_processes_only,
                "Profile only processes of the scope that made LLM calls");
  cmd->add_option("--pyroscope", f.pyroscope_url, "Push profiles to this Pyroscope server URL");
  cmd->add_option("--pyroscope-app", f.pyroscope_app, "Pyroscope application name (default agentprof)");
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
  r.declare("agentprof.capture.holds", MetricKind::kCounter, "{process}",
            "Processes stopped until their TLS probes were attached (--hold-new-executables)", true);
  r.declare("agentprof.capture.lost", MetricKind::kCounter, "{event}",
            "Bytes or events lost, by reason (ring buffer full, read failures, gaps, ...)", true);
  r.declare("agentprof.probes.attached", MetricKind::kGauge, "{probe}", "TLS uprobes attached", true);
  r.declare("agentprof.probes.failed", MetricKind::kGauge, "{probe}", "TLS uprobe attach failures", true);
  r.declare("agentprof.connections.open", MetricKind::kGauge, "{connection}", "Connections tracked", true);
  r.declare("agentprof.queue.depth", MetricKind::kGauge, "{item}", "Items waiting in an internal queue", true);
  r.declare("agentprof.export.dropped", MetricKind::kCounter, "{span}", "Spans an exporter dropped", true);
  r.declare("agentprof.http.parse_errors", MetricKind::kCounter, "{error}", "HTTP parse errors", true);
  r.declare("agentprof.http.connections", MetricKind::kCounter, "{connection}",
            "Connections by protocol (http2) and those whose decoding stopped (http2_undecodable)", true);
  r.declare("agentprof.profile.samples", MetricKind::kCounter, "{sample}",
            "CPU samples in closed continuous-profiling windows", true);
  r.declare("agentprof.profile.lost_samples", MetricKind::kCounter, "{sample}",
            "CPU samples whose stack could not be recorded", true);
  r.declare("agentprof.profile.windows", MetricKind::kCounter, "{window}", "Continuous-profiling windows closed", true);
  r.declare("agentprof.profile.agent_processes", MetricKind::kGauge, "{process}",
            "Processes profiled because they made LLM calls", true);
  r.declare("agentprof.profile.captures", MetricKind::kCounter, "{capture}",
            "On-demand flame graph captures, by outcome", true);
  r.declare("agentprof.pyroscope.uploads", MetricKind::kCounter, "{window}",
            "Profile windows pushed to Pyroscope, by outcome (sent, failed, rejected, dropped)", true);
  r.declare("agentprof.pyroscope.retries", MetricKind::kCounter, "{request}", "Pyroscope push retries", true);
}

// The profiler's scope is serve's scope; without one it follows the processes making LLM calls.
profile::ContinuousProfilerOptions profiler_options(const ServeConfig& c) {
  profile::ContinuousProfilerOptions o;
  o.scope.pids = c.capture.pids;
  o.scope.comm = c.capture.comm;
  o.scope.cgroup_path = c.capture.cgroup;
  o.frequency_hz = c.profiling.frequency_hz;
  o.window_seconds = c.profiling.window_seconds;
  o.windows_kept = c.profiling.windows_kept;
  o.llm_processes_only = c.profiling.llm_processes_only;
  return o;
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
  // Continuous profiling: windows go to Pyroscope when configured; the CPU split to /metrics.
  profile::CpuSplitMetrics cpu_split;
  std::unique_ptr<pyroscope::PyroscopePusher> pyroscope_push;
  if (config.pyroscope.enabled()) pyroscope_push = std::make_unique<pyroscope::PyroscopePusher>(config.pyroscope);
  std::unique_ptr<profile::ContinuousProfiler> profiler;
  std::string profiling_state = "off";
  if (config.profiling.enabled) {
    profiler = std::make_unique<profile::ContinuousProfiler>(&cpu_split);
    profile::ContinuousProfiler::WindowSink sink;
    if (pyroscope_push) sink = [p = pyroscope_push.get()](const Profile& window) { p->push(window); };
    if (profiler->start(profiler_options(config), std::move(sink), error)) {
      profiling_state = std::to_string(config.profiling.frequency_hz) + " Hz, " +
                        (profiler->agent_processes_only() ? "processes making LLM calls" : "the scope");
    } else {
      // Tracing LLM calls does not depend on perf events: keep serving, say why profiling is off.
      fprintf(stderr, "agentprof: continuous profiling off: %s\n", error.c_str());
      profiling_state = "off (" + error + ")";
      profiler.reset();
    }
  }

  LlmPipelineOptions pipeline_options{config.content, config.prices, profiler.get()};
  std::unique_ptr<LlmPipeline> pipeline = LlmPipeline::create(pipeline_options, spans, error);
  if (!pipeline) {
    fprintf(stderr, "agentprof: %s\n", error.c_str());
    return 2;
  }

  // Everything a metrics reader sees: the registry plus the per-process CPU split, whose series
  // come and go with processes (the registry keeps series forever).
  auto full_snapshot = [&registry, &cpu_split, &profiler] {
    MetricsSnapshot snap = registry.snapshot();
    if (profiler) snap.families.push_back(cpu_split.family());
    return snap;
  };
  FlameRoutes flame_routes(profiler.get());
  std::unique_ptr<LocalHttpServer> endpoint;
  if (!config.prometheus.empty()) {
    LocalHttpServerOptions eo;
    if (!split_host_port(config.prometheus, eo.host, eo.port)) {
      fprintf(stderr, "agentprof: --prometheus: expected host:port, got '%s'\n", config.prometheus.c_str());
      return 2;
    }
    endpoint = std::make_unique<LocalHttpServer>(eo);
    add_metrics_route(*endpoint, full_snapshot);
    flame_routes.add_to(*endpoint);
    if (!endpoint->start(&error)) {
      fprintf(stderr, "agentprof: HTTP endpoint: %s\n", error.c_str());
      return 2;
    }
  }

  CaptureSession session;
  if (!session.start(config.capture, pipeline->stream_sink(), error)) {
    fprintf(stderr, "agentprof: %s\n", error.c_str());
    return 2;
  }
  fprintf(stderr, "agentprof: ready: %s; prometheus %s; store %s; otlp %s; profiling %s; pyroscope %s\n",
          session.ready_summary().c_str(), endpoint ? ("http://" + config.prometheus + "/metrics").c_str() : "off",
          config.store.empty() ? "off" : config.store.c_str(),
          config.otlp_enabled ? otlp::url_for_display(config.otlp.traces_url()).c_str() : "off", profiling_state.c_str(),
          pyroscope_push ? pyroscope::url_for_display(config.pyroscope.url).c_str() : "off");
  fflush(stderr);

  // Values owned by the capture thread are pushed into the registry from this thread.
  auto publish = [&] {
    CaptureHealth h = session.health();
    registry.set_counter("agentprof.capture.bytes", {}, double(h.bytes_captured));
    for (const auto& [reason, n] : h.lost) registry.set_counter("agentprof.capture.lost", {{"reason", reason}}, double(n));
    if (h.holding) {
      registry.set_counter("agentprof.capture.holds", {{"outcome", "held"}}, double(h.holds));
      registry.set_counter("agentprof.capture.holds", {{"outcome", "skipped"}}, double(h.holds_skipped));
      registry.set_counter("agentprof.capture.holds", {{"outcome", "failed"}}, double(h.holds_failed));
    }
    registry.set_gauge("agentprof.probes.attached", {}, h.probes_attached);
    registry.set_gauge("agentprof.probes.failed", {}, h.attach_failures);
    registry.set_gauge("agentprof.connections.open", {}, double(h.open_connections));
    registry.set_gauge("agentprof.queue.depth", {{"queue", "stream_pending_bytes"}}, double(h.pending_bytes));
    const HttpStats& http = pipeline->http_stats();
    registry.set_counter("agentprof.http.parse_errors", {}, double(http.parse_errors));
    registry.set_counter("agentprof.http.connections", {{"protocol", "http2"}}, double(http.http2_connections));
    registry.set_counter("agentprof.http.connections", {{"protocol", "http2_undecodable"}},
                         double(http.h2_undecodable_connections));
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
    if (profiler) {
      profile::ContinuousProfilerStats s = profiler->stats();
      registry.set_counter("agentprof.profile.samples", {}, double(s.samples));
      registry.set_counter("agentprof.profile.lost_samples", {}, double(s.lost_samples));
      registry.set_counter("agentprof.profile.windows", {}, double(s.windows));
      registry.set_gauge("agentprof.profile.agent_processes", {}, double(s.agent_processes));
    }
    const FlameRouteStats& f = flame_routes.stats();
    registry.set_counter("agentprof.profile.captures", {{"outcome", "done"}}, double(f.captures.load()));
    registry.set_counter("agentprof.profile.captures", {{"outcome", "busy"}}, double(f.busy_rejections.load()));
    registry.set_counter("agentprof.profile.captures", {{"outcome", "bad_request"}}, double(f.bad_requests.load()));
    if (pyroscope_push) {
      pyroscope::PushStats s = pyroscope_push->stats();
      registry.set_counter("agentprof.pyroscope.uploads", {{"outcome", "sent"}}, double(s.sent));
      registry.set_counter("agentprof.pyroscope.uploads", {{"outcome", "failed"}}, double(s.failed + s.render_errors));
      registry.set_counter("agentprof.pyroscope.uploads", {{"outcome", "rejected"}}, double(s.rejected));
      registry.set_counter("agentprof.pyroscope.uploads", {{"outcome", "dropped"}},
                           double(s.dropped_queue_full + s.dropped_shutdown));
      registry.set_counter("agentprof.pyroscope.retries", {}, double(s.retries));
      registry.set_gauge("agentprof.queue.depth", {{"queue", "pyroscope"}}, double(s.queue_depth));
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
      exporter->export_metrics(full_snapshot());
      last_metrics_export = now;
    }
    if (g_counters_requested.exchange(false)) session.print_report(stderr, nullptr);
  }
  // Clean shutdown: the endpoint stops answering (a capture in progress is abandoned), every
  // in-flight call completes, the last profiling window closes, then every sink is flushed.
  flame_routes.cancel();
  if (endpoint) endpoint->stop();
  session.finish();
  if (profiler) profiler->stop();
  if (pyroscope_push) {
    if (!pyroscope_push->shutdown(std::chrono::seconds(5)))
      fprintf(stderr, "agentprof: Pyroscope queue not fully sent before shutdown\n");
    pyroscope::PushStats s = pyroscope_push->stats();
    fprintf(stderr, "  pyroscope: sent=%llu failed=%llu rejected=%llu dropped=%llu%s%s\n", (unsigned long long)s.sent,
            (unsigned long long)(s.failed + s.render_errors), (unsigned long long)s.rejected,
            (unsigned long long)(s.dropped_queue_full + s.dropped_shutdown),
            s.last_error.empty() ? "" : " last_error=", s.last_error.c_str());
  }
  publish();
  if (store) store->flush();
  if (jsonl) fflush(nullptr);
  if (exporter) {
    exporter->export_metrics(full_snapshot());
    if (!exporter->shutdown(std::chrono::seconds(10)))
      fprintf(stderr, "agentprof: OTLP queue not fully sent before shutdown (see counters)\n");
  }
  session.print_report(stderr, nullptr);
  pipeline->print_counters(stderr);
  return rc;
}

}  // namespace agentprof
