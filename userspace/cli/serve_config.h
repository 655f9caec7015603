// Configuration of `agentprof serve`: defaults, then a YAML file, then the standard OTEL_*
// environment variables, then command-line flags (each layer overrides the one before).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/capture_session.h"
#include "exporters/otlp/otlp_config.h"
#include "exporters/pyroscope/pyroscope_config.h"

namespace agentprof {

// Continuous CPU profiling of the scope (or, without a scope, of processes that made LLM calls).
struct ProfilingConfig {
  bool enabled = true;
  uint32_t frequency_hz = 19;
  uint32_t window_seconds = 10;
  uint32_t windows_kept = 30;  // recent windows kept for GET /debug/flame/continuous
  // Profile only processes that made LLM calls, even when a scope is set (without a scope that
  // is always the case: agentprof never profiles the whole host).
  bool llm_processes_only = false;
};

struct ServeConfig {
  CaptureOptions capture;
  bool content = false;
  std::string prices;                           // user price table
  std::string prometheus = "127.0.0.1:9464";    // host:port; empty disables the endpoint
  std::string store = "/var/lib/agentprof/spans.db";  // empty disables the store
  uint64_t store_max_age_s = 7 * 24 * 3600;
  uint64_t store_max_bytes = 1ull << 30;
  bool otlp_enabled = false;                    // set by an endpoint in the file, env or flags
  otlp::OtlpExporterConfig otlp;
  uint32_t metrics_interval_s = 10;             // OTLP metrics export period
  std::string jsonl;                            // optional JSONL copy of every span
  ProfilingConfig profiling;
  pyroscope::PyroscopeConfig pyroscope;         // push of profiling windows when url is set
};

// Command-line values; unset ones leave the lower layers in place.
struct ServeFlags {
  std::string config_file;
  std::vector<uint32_t> pids;
  std::optional<std::string> comm, cgroup, prometheus, store, otlp_endpoint, jsonl, prices;
  std::optional<bool> content;
  std::vector<uint16_t> ports;
  bool hold_new_executables = false;
  bool no_profiling = false;
  bool profile_llm_processes_only = false;
  std::optional<uint32_t> profile_frequency, profile_window, profile_windows_kept;
  std::optional<std::string> pyroscope_url, pyroscope_app;
  bool print_config = false;
};

// Builds the effective configuration. Returns false with `error` naming the file, key or variable.
bool load_serve_config(const ServeFlags& flags, ServeConfig& out, std::string& error,
                       const otlp::EnvLookup& env = otlp::process_env());
// YAML text of the effective configuration; secrets (OTLP and Pyroscope header values, passwords)
// are redacted.
std::string describe_serve_config(const ServeConfig& config);
// "30s", "15m", "24h", "7d" or plain seconds.
bool parse_duration_s(const std::string& text, uint64_t& seconds);

}  // namespace agentprof
