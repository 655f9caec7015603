#include "cli/serve_config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <set>
#include <sstream>

namespace agentprof {

bool parse_duration_s(const std::string& text, uint64_t& seconds) {
  if (text.empty()) return false;
  char* end = nullptr;
  double v = strtod(text.c_str(), &end);
  if (end == text.c_str() || v < 0) return false;
  std::string unit(end);
  double mult = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : unit == "d" ? 86400 : -1;
  if (mult < 0) return false;
  seconds = uint64_t(v * mult);
  return true;
}

namespace {

// Rejects keys we do not know: a typo in a config file must not be silently ignored.
bool check_keys(const YAML::Node& node, const std::set<std::string>& known, const std::string& where,
                std::string& error) {
  if (!node.IsMap()) {
    error = where + ": expected a mapping";
    return false;
  }
  for (const auto& kv : node) {
    std::string key = kv.first.as<std::string>();
    if (!known.count(key)) {
      error = where + ": unknown key '" + key + "'";
      return false;
    }
  }
  return true;
}

bool apply_file(const std::string& path, ServeConfig& c, std::string& error) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    error = "config " + path + ": " + e.what();
    return false;
  }
  if (root.IsNull()) return true;
  try {
    if (!check_keys(root, {"scope", "capture", "prometheus", "store", "otlp", "jsonl", "profiling", "pyroscope"}, path,
                    error))
      return false;
    if (auto s = root["scope"]) {
      if (!check_keys(s, {"pids", "comm", "cgroup"}, path + ": scope", error)) return false;
      if (s["pids"]) c.capture.pids = s["pids"].as<std::vector<uint32_t>>();
      if (s["comm"]) c.capture.comm = s["comm"].as<std::string>();
      if (s["cgroup"]) c.capture.cgroup = s["cgroup"].as<std::string>();
    }
    if (auto s = root["capture"]) {
      if (!check_keys(s, {"ports", "sockets", "ringbuf_mb", "content", "prices", "hold_new_executables"},
                      path + ": capture", error))
        return false;
      if (s["ports"]) c.capture.ports = s["ports"].as<std::vector<uint16_t>>();
      if (s["sockets"]) c.capture.no_sockets = !s["sockets"].as<bool>();
      if (s["ringbuf_mb"]) c.capture.ringbuf_mb = s["ringbuf_mb"].as<uint32_t>();
      if (s["hold_new_executables"]) c.capture.hold_new_executables = s["hold_new_executables"].as<bool>();
      if (s["content"]) c.content = s["content"].as<bool>();
      if (s["prices"]) c.prices = s["prices"].as<std::string>();
    }
    if (auto s = root["prometheus"]) {
      if (!check_keys(s, {"listen"}, path + ": prometheus", error)) return false;
      if (s["listen"]) c.prometheus = s["listen"].as<std::string>();
    }
    if (auto s = root["store"]) {
      if (!check_keys(s, {"path", "max_age", "max_size_mb"}, path + ": store", error)) return false;
      if (s["path"]) c.store = s["path"].as<std::string>();
      if (s["max_age"] && !parse_duration_s(s["max_age"].as<std::string>(), c.store_max_age_s)) {
        error = path + ": store.max_age: expected a duration like 7d";
        return false;
      }
      if (s["max_size_mb"]) c.store_max_bytes = s["max_size_mb"].as<uint64_t>() << 20;
    }
    if (auto s = root["otlp"]) {
      if (!check_keys(s, {"endpoint", "traces_endpoint", "metrics_endpoint", "headers", "compression",
                          "timeout", "metrics_interval", "service_name"},
                      path + ": otlp", error))
        return false;
      if (s["endpoint"]) c.otlp.endpoint = s["endpoint"].as<std::string>(), c.otlp_enabled = true;
      if (s["traces_endpoint"]) c.otlp.traces_endpoint = s["traces_endpoint"].as<std::string>(), c.otlp_enabled = true;
      if (s["metrics_endpoint"]) c.otlp.metrics_endpoint = s["metrics_endpoint"].as<std::string>(), c.otlp_enabled = true;
      if (s["headers"])
        for (const auto& kv : s["headers"]) c.otlp.headers.emplace_back(kv.first.as<std::string>(), kv.second.as<std::string>());
      if (s["compression"]) c.otlp.gzip = s["compression"].as<std::string>() == "gzip";
      if (s["service_name"]) c.otlp.service_name = s["service_name"].as<std::string>();
      uint64_t secs = 0;
      if (s["timeout"]) {
        if (!parse_duration_s(s["timeout"].as<std::string>(), secs)) {
          error = path + ": otlp.timeout: expected a duration";
          return false;
        }
        c.otlp.timeout = std::chrono::milliseconds(secs * 1000);
      }
      if (s["metrics_interval"]) {
        if (!parse_duration_s(s["metrics_interval"].as<std::string>(), secs) || secs == 0) {
          error = path + ": otlp.metrics_interval: expected a duration";
          return false;
        }
        c.metrics_interval_s = uint32_t(secs);
      }
    }
    if (root["jsonl"]) c.jsonl = root["jsonl"].as<std::string>();
    if (auto s = root["profiling"]) {
      if (!check_keys(s, {"enabled", "frequency_hz", "window_seconds", "windows_kept", "llm_processes_only"},
                      path + ": profiling", error))
        return false;
      if (s["llm_processes_only"]) c.profiling.llm_processes_only = s["llm_processes_only"].as<bool>();
      if (s["enabled"]) c.profiling.enabled = s["enabled"].as<bool>();
      if (s["frequency_hz"]) c.profiling.frequency_hz = s["frequency_hz"].as<uint32_t>();
      if (s["window_seconds"]) c.profiling.window_seconds = s["window_seconds"].as<uint32_t>();
      if (s["windows_kept"]) c.profiling.windows_kept = s["windows_kept"].as<uint32_t>();
    }
    if (auto s = root["pyroscope"]) {
      if (!check_keys(s, {"url", "app_name", "labels", "basic_auth", "tenant_id", "headers", "timeout"},
                      path + ": pyroscope", error))
        return false;
      auto& p = c.pyroscope;
      if (s["url"]) p.url = s["url"].as<std::string>();
      if (s["app_name"]) p.app_name = s["app_name"].as<std::string>();
      if (s["labels"])
        for (const auto& kv : s["labels"]) p.labels.emplace_back(kv.first.as<std::string>(), kv.second.as<std::string>());
      if (auto a = s["basic_auth"]) {
        if (!check_keys(a, {"username", "password"}, path + ": pyroscope.basic_auth", error)) return false;
        if (a["username"]) p.basic_auth_user = a["username"].as<std::string>();
        if (a["password"]) p.basic_auth_password = a["password"].as<std::string>();
      }
      if (s["tenant_id"]) p.tenant_id = s["tenant_id"].as<std::string>();
      if (s["headers"])
        for (const auto& kv : s["headers"]) p.headers.emplace_back(kv.first.as<std::string>(), kv.second.as<std::string>());
      if (s["timeout"]) {
        uint64_t secs = 0;
        if (!parse_duration_s(s["timeout"].as<std::string>(), secs) || secs == 0) {
          error = path + ": pyroscope.timeout: expected a duration like 10s";
          return false;
        }
        p.timeout = std::chrono::milliseconds(secs * 1000);
      }
    }
  } catch (const YAML::Exception& e) {
    error = "config " + path + ": " + e.what();
    return false;
  }
  return true;
}

}  // namespace

bool load_serve_config(const ServeFlags& f, ServeConfig& c, std::string& error, const otlp::EnvLookup& env) {
  c = ServeConfig{};
  c.otlp.gzip = true;  // agentprof compresses by default; OTEL_EXPORTER_OTLP_COMPRESSION may override
  if (!f.config_file.empty() && !apply_file(f.config_file, c, error)) return false;
  // The standard OTEL_* variables sit above the file.
  for (const char* v : {"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                        "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"})
    if (const char* value = env(v); value && *value) c.otlp_enabled = true;
  std::string env_error = otlp::apply_otel_env(c.otlp, env);
  if (!env_error.empty()) {
    error = env_error;
    return false;
  }
  // Flags last.
  if (!f.pids.empty()) c.capture.pids = f.pids;
  if (f.comm) c.capture.comm = *f.comm;
  if (f.cgroup) c.capture.cgroup = *f.cgroup;
  if (!f.ports.empty()) c.capture.ports = f.ports;
  if (f.hold_new_executables) c.capture.hold_new_executables = true;
  if (f.prometheus) c.prometheus = *f.prometheus;
  if (f.store) c.store = *f.store;
  if (f.jsonl) c.jsonl = *f.jsonl;
  if (f.prices) c.prices = *f.prices;
  if (f.content) c.content = *f.content;
  if (f.otlp_endpoint) {
    c.otlp.endpoint = *f.otlp_endpoint;
    c.otlp_enabled = !f.otlp_endpoint->empty();
  }
  // Pyroscope: PYROSCOPE_* variables (the names Pyroscope's own clients read) over the file, flags last.
  if (const char* v = env("PYROSCOPE_SERVER_ADDRESS"); v && *v) c.pyroscope.url = v;
  if (const char* v = env("PYROSCOPE_APPLICATION_NAME"); v && *v) c.pyroscope.app_name = v;
  if (const char* v = env("PYROSCOPE_BASIC_AUTH_USER"); v && *v) c.pyroscope.basic_auth_user = v;
  if (const char* v = env("PYROSCOPE_BASIC_AUTH_PASSWORD"); v && *v) c.pyroscope.basic_auth_password = v;
  if (const char* v = env("PYROSCOPE_TENANT_ID"); v && *v) c.pyroscope.tenant_id = v;
  if (f.pyroscope_url) c.pyroscope.url = *f.pyroscope_url;
  if (f.pyroscope_app) c.pyroscope.app_name = *f.pyroscope_app;
  if (f.no_profiling) c.profiling.enabled = false;
  if (f.profile_llm_processes_only) c.profiling.llm_processes_only = true;
  if (f.profile_frequency) c.profiling.frequency_hz = *f.profile_frequency;
  if (f.profile_window) c.profiling.window_seconds = *f.profile_window;
  if (f.profile_windows_kept) c.profiling.windows_kept = *f.profile_windows_kept;
  if (c.profiling.frequency_hz == 0 || c.profiling.frequency_hz > 1000) {
    error = "profiling.frequency_hz must be between 1 and 1000 (got " + std::to_string(c.profiling.frequency_hz) + ")";
    return false;
  }
  if (c.profiling.window_seconds == 0 || c.profiling.window_seconds > 3600) {
    error = "profiling.window_seconds must be between 1 and 3600 (got " + std::to_string(c.profiling.window_seconds) + ")";
    return false;
  }
  if (c.profiling.windows_kept == 0 || c.profiling.windows_kept > 1000) {
    error = "profiling.windows_kept must be between 1 and 1000 (got " + std::to_string(c.profiling.windows_kept) + ")";
    return false;
  }
  if (c.pyroscope.enabled()) {
    if (!c.profiling.enabled) {
      error = "pyroscope: the push sends continuous-profiling windows, so profiling must be enabled";
      return false;
    }
    if (std::string v = c.pyroscope.validate(); !v.empty()) {
      error = v;
      return false;
    }
  }
  if (c.otlp_enabled) {
    std::string v = c.otlp.validate();
    if (!v.empty()) {
      error = "otlp: " + v;
      return false;
    }
  }
  return true;
}

std::string describe_serve_config(const ServeConfig& c) {
  std::ostringstream o;
  o << "scope:\n  pids: [";
  for (size_t i = 0; i < c.capture.pids.size(); i++) o << (i ? ", " : "") << c.capture.pids[i];
  o << "]\n  comm: \"" << c.capture.comm << "\"\n  cgroup: \"" << c.capture.cgroup << "\"\n";
  o << "capture:\n  ports: [";
  for (size_t i = 0; i < c.capture.ports.size(); i++) o << (i ? ", " : "") << c.capture.ports[i];
  o << "]\n  sockets: " << (c.capture.no_sockets ? "false" : "true") << "\n  ringbuf_mb: "
    << c.capture.ringbuf_mb << "\n  hold_new_executables: " << (c.capture.hold_new_executables ? "true" : "false")
    << "\n  content: " << (c.content ? "true" : "false") << "\n  prices: \""
    << c.prices << "\"\n";
  o << "prometheus:\n  listen: \"" << c.prometheus << "\"\n";
  o << "store:\n  path: \"" << c.store << "\"\n  max_age: " << c.store_max_age_s << "s\n  max_size_mb: "
    << (c.store_max_bytes >> 20) << "\n";
  o << "otlp:\n  enabled: " << (c.otlp_enabled ? "true" : "false") << "\n";
  std::istringstream details(c.otlp.describe());
  for (std::string line; std::getline(details, line);) o << "  # " << line << "\n";
  o << "  metrics_interval: " << c.metrics_interval_s << "s\n";
  o << "jsonl: \"" << c.jsonl << "\"\n";
  o << "profiling:\n  enabled: " << (c.profiling.enabled ? "true" : "false") << "\n  frequency_hz: "
    << c.profiling.frequency_hz << "\n  window_seconds: " << c.profiling.window_seconds << "\n  windows_kept: "
    << c.profiling.windows_kept << "\n  llm_processes_only: " << (c.profiling.llm_processes_only ? "true" : "false")
    << "\n";
  o << "pyroscope:\n  enabled: " << (c.pyroscope.enabled() ? "true" : "false") << "\n" << c.pyroscope.describe();
  return o.str();
}

}  // namespace agentprof
