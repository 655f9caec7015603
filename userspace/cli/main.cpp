// agentprof: see what AI agents do, from the kernel. Subcommands: trace, report, doctor.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/flame_command.h"
#include "cli/report_command.h"
#include "cli/serve_command.h"
#include "cli/serve_config.h"
#include "cli/trace_options.h"

int main(int argc, char** argv) {
  CLI::App app{"agentprof: a zero-instrumentation eBPF profiler for AI agents"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "agentprof 0.1.0");

  agentprof::TraceOptions trace;
  CLI::App* trace_cmd = app.add_subcommand("trace", "Trace LLM calls and TLS/socket traffic live");
  trace_cmd->add_option("--pid", trace.pids, "Trace only these processes and their descendants");
  trace_cmd->add_option("--comm", trace.comm, "Trace only processes with this name");
  trace_cmd->add_option("--cgroup", trace.cgroup, "Trace only this cgroup v2 directory (and below)");
  trace_cmd->add_option("--duration", trace.duration_s, "Stop after this many seconds");
  trace_cmd->add_flag("--raw", trace.raw, "Print the reassembled plaintext of every connection");
  trace_cmd->add_option("--raw-file", trace.raw_file, "Write the --raw output to this file");
  trace_cmd->add_option("--jsonl", trace.jsonl, "Write one JSON span per LLM call to FILE (- = stdout)");
  trace_cmd->add_flag("--content", trace.content, "Also record prompt and completion text");
  trace_cmd->add_option("--prices", trace.prices, "Price table file overriding the built-in one");
  trace_cmd->add_flag("--quiet", trace.quiet, "Do not print the live table");
  trace_cmd->add_option("--port", trace.ports, "Plaintext TCP ports to capture (replaces the defaults)")
      ->take_all();
  trace_cmd->add_flag("--no-sockets", trace.no_sockets, "No plaintext socket capture");
  trace_cmd->add_option("--ringbuf-mb", trace.ringbuf_mb, "Ring buffer size in MiB")
      ->check(CLI::Range(1, 1024));
  trace_cmd->add_flag("--no-lib-scan", trace.no_lib_scan,
                      "Attach only to libraries that running processes map");
  trace_cmd->add_option("--store", trace.store, "SQLite store for spans")->capture_default_str();
  trace_cmd->add_option("--otlp", trace.otlp, "Also export spans to this OTLP/HTTP endpoint (OTEL_* honoured)");
  bool no_store = false;
  trace_cmd->add_flag("--no-store", no_store, "Do not write spans to the store");
  trace_cmd->add_flag("--hold-new-executables", trace.hold_new_executables,
                      "Stop a process that starts a program not examined yet until its TLS probes are on "
                      "(no first request missed; the process shows as stopped for a few ms)");

  bool doctor_verbose = false;
  CLI::App* doctor_cmd = app.add_subcommand("doctor", "Check kernel features, privileges and TLS targets");
  doctor_cmd->add_flag("-v,--verbose", doctor_verbose, "List every TLS target and process");

  agentprof::ReportCommandOptions report;
  CLI::App* report_cmd = app.add_subcommand("report", "Summarise spans from JSONL files");
  agentprof::add_report_options(*report_cmd, report);

  agentprof::ServeFlags serve;
  CLI::App* serve_cmd = agentprof::add_serve_command(app, serve);

  agentprof::FlameOptions flame;
  CLI::App* flame_cmd = agentprof::add_flame_command(app, flame);

  CLI11_PARSE(app, argc, argv);
  if (*trace_cmd) {
    if (no_store) trace.store.clear();
    return agentprof::run_trace(trace);
  }
  if (*doctor_cmd) return agentprof::run_doctor(doctor_verbose);
  if (*serve_cmd) return agentprof::run_serve(serve);
  if (*flame_cmd) return agentprof::run_flame(flame);
  if (*report_cmd) return agentprof::run_report_command(report);
  return 1;
}
