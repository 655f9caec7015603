#include "exporters/otlp/otlp_config.h"

#include <cstdlib>
#include <sstream>

namespace agentprof::otlp {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string join_path(const std::string& base, std::string_view path) {
  std::string url = base;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += path;
  return url;
}

bool has_http_scheme(std::string_view url) {
  return url.starts_with("http://") || url.starts_with("https://");
}

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return out;
}

// Parses a non-negative integer of milliseconds.
bool parse_millis(std::string_view text, std::chrono::milliseconds& out) {
  text = trim(text);
  if (text.empty() || text.size() > 12) return false;
  long long v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = std::chrono::milliseconds(v);
  return true;
}

}  // namespace

std::string url_for_display(std::string_view url) {
  size_t cut = url.find_first_of("?#");
  return std::string(url.substr(0, cut));
}

bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = hex(in[i + 1]);
    int lo = hex(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(char(hi << 4 | lo));
    i += 2;
  }
  return true;
}

std::string parse_key_value_list(std::string_view text, KeyValuePairs& out) {
  size_t member_index = 0;
  while (true) {
    size_t comma = text.find(',');
    std::string_view member = trim(text.substr(0, comma));
    ++member_index;
    if (!member.empty()) {
      size_t eq = member.find('=');
      if (eq == std::string_view::npos)
        return "entry " + std::to_string(member_index) + " has no '=' (expected key=value)";
      std::string_view key = trim(member.substr(0, eq));
      if (key.empty()) return "entry " + std::to_string(member_index) + " has an empty key";
      std::string value;
      if (!percent_decode(trim(member.substr(eq + 1)), value))
        return "entry " + std::to_string(member_index) + " (" + std::string(key) +
               ") has a malformed %-escape";
      out.emplace_back(std::string(key), std::move(value));
    }
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return {};
}

std::string OtlpExporterConfig::traces_url() const {
  return traces_endpoint.empty() ? join_path(endpoint, "/v1/traces") : traces_endpoint;
}

std::string OtlpExporterConfig::metrics_url() const {
  return metrics_endpoint.empty() ? join_path(endpoint, "/v1/metrics") : metrics_endpoint;
}

std::string OtlpExporterConfig::describe() const {
  std::ostringstream o;
  o << "otlp.traces_url: " << url_for_display(traces_url()) << "\n";
  o << "otlp.metrics_url: " << url_for_display(metrics_url()) << "\n";
  o << "otlp.headers:";
  if (headers.empty()) o << " (none)";
  for (const auto& [k, v] : headers) o << " " << k << "=<redacted>";
  o << "\n";
  o << "otlp.compression: " << (gzip ? "gzip" : "none") << "\n";
  o << "otlp.timeout_ms: " << timeout.count() << "\n";
  o << "otlp.max_queue_spans: " << max_queue_spans << "\n";
  o << "otlp.max_batch_spans: " << max_batch_spans << "\n";
  o << "otlp.max_queue_bytes: " << max_queue_bytes << "\n";
  o << "otlp.max_request_bytes: " << max_request_bytes << "\n";
  o << "otlp.batch_delay_ms: " << batch_delay.count() << "\n";
  o << "otlp.retry: initial " << retry_initial_backoff.count() << " ms, max " << retry_max_backoff.count()
    << " ms, max elapsed " << retry_max_elapsed.count() << " ms\n";
  o << "otlp.service_name: " << service_name << "\n";
  o << "otlp.resource_attributes:";
  if (resource_attributes.empty()) o << " (none)";
  for (const auto& [k, v] : resource_attributes) o << " " << k << "=" << v;
  o << "\n";
  return o.str();
}

std::string OtlpExporterConfig::validate() const {
  for (const std::string& url : {traces_url(), metrics_url()}) {
    if (!has_http_scheme(url)) return "OTLP endpoint '" + url_for_display(url) + "' must start with http:// or https://";
  }
  if (max_queue_spans == 0) return "max_queue_spans must be > 0";
  if (max_batch_spans == 0) return "max_batch_spans must be > 0";
  if (max_queue_bytes == 0 || max_request_bytes == 0) return "max_queue_bytes and max_request_bytes must be > 0";
  if (timeout.count() <= 0) return "OTLP timeout must be > 0";
  if (retry_initial_backoff.count() <= 0 || retry_max_backoff < retry_initial_backoff)
    return "retry backoff: need 0 < initial <= max";
  for (const auto& [k, v] : headers) {
    if (k.empty()) return "OTLP header with an empty name";
    for (char c : k)
      if (!is_token_char(c)) return "OTLP header name '" + k + "' has a character not allowed in a header name";
    for (char c : v)
      if (c == '\r' || c == '\n' || c == '\0') return "OTLP header '" + k + "' has a line break in its value";
  }
  return {};
}

EnvLookup process_env() {
  return [](const char* name) -> const char* { return std::getenv(name); };
}

std::string apply_otel_env(OtlpExporterConfig& config, const EnvLookup& env) {
  auto get = [&env](const char* name) -> const char* {
    const char* v = env(name);
    return (v && *v) ? v : nullptr;  // set-but-empty means "not set", as the OTel spec says
  };
  for (const char* name : {"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
                           "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"}) {
    if (const char* p = get(name); p && trim(p) != "http/protobuf")
      return std::string(name) + "=" + p + " is not supported: agentprof exports OTLP over http/protobuf only";
  }
  if (const char* v = get("OTEL_EXPORTER_OTLP_ENDPOINT")) config.endpoint = trim(v);
  if (const char* v = get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) config.traces_endpoint = trim(v);
  if (const char* v = get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")) config.metrics_endpoint = trim(v);
  if (const char* v = get("OTEL_EXPORTER_OTLP_HEADERS")) {
    KeyValuePairs headers;
    // The message names the entry, never its value: header values are credentials.
    if (std::string err = parse_key_value_list(v, headers); !err.empty())
      return "OTEL_EXPORTER_OTLP_HEADERS: " + err;
    config.headers = std::move(headers);
  }
  if (const char* v = get("OTEL_EXPORTER_OTLP_COMPRESSION")) {
    std::string c = to_lower(trim(v));
    if (c == "gzip") {
      config.gzip = true;
    } else if (c == "none") {
      config.gzip = false;
    } else {
      return std::string("OTEL_EXPORTER_OTLP_COMPRESSION=") + v + " is not supported (gzip or none)";
    }
  }
  if (const char* v = get("OTEL_EXPORTER_OTLP_TIMEOUT")) {
    std::chrono::milliseconds ms{};
    if (!parse_millis(v, ms) || ms.count() == 0)
      return std::string("OTEL_EXPORTER_OTLP_TIMEOUT=") + v + " is not a positive number of milliseconds";
    config.timeout = ms;
  }
  if (const char* v = get("OTEL_RESOURCE_ATTRIBUTES")) {
    KeyValuePairs attrs;
    if (std::string err = parse_key_value_list(v, attrs); !err.empty())
      return "OTEL_RESOURCE_ATTRIBUTES: " + err;
    config.resource_attributes = std::move(attrs);
    // service.name given only as a resource attribute still names the service.
    for (const auto& [k, val] : config.resource_attributes)
      if (k == "service.name" && !val.empty()) config.service_name = val;
  }
  if (const char* v = get("OTEL_SERVICE_NAME")) config.service_name = trim(v);  // wins over the above
  return {};
}

OtlpConfigResult otlp_config_from_env(const EnvLookup& env) {
  OtlpConfigResult r;
  r.error = apply_otel_env(r.config, env);
  if (r.ok()) r.error = r.config.validate();
  return r;
}

}  // namespace agentprof::otlp
