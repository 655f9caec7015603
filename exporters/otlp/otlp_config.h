// Settings of the OTLP/HTTP exporter and how the standard OTEL_* environment variables map onto
// them. Header values (API keys, tokens) are held here but never printed: describe() redacts them.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace agentprof::otlp {

using KeyValuePairs = std::vector<std::pair<std::string, std::string>>;

struct OtlpExporterConfig {
  std::string endpoint = "http://localhost:4318";  // base: /v1/traces and /v1/metrics are appended
  std::string traces_endpoint;   // full URL used as-is; empty = endpoint + "/v1/traces"
  std::string metrics_endpoint;  // full URL used as-is; empty = endpoint + "/v1/metrics"
  KeyValuePairs headers;         // extra request headers (e.g. authorization)
  bool gzip = false;             // Content-Encoding: gzip (OTel default compression is none)
  std::chrono::milliseconds timeout{10000};  // per request
  size_t max_queue_spans = 65536;
  size_t max_batch_spans = 2048;
  size_t max_queue_bytes = 64u << 20;    // queued spans' estimated size: big spans cannot eat memory
  size_t max_request_bytes = 4u << 20;   // a batch is split so no request body exceeds this
                                         // (collectors refuse bodies over ~20 MiB by default)
  std::chrono::milliseconds batch_delay{1000};  // longest a span waits for its batch to fill
  std::chrono::milliseconds retry_initial_backoff{1000};
  std::chrono::milliseconds retry_max_backoff{30000};
  std::chrono::milliseconds retry_max_elapsed{120000};  // then the batch is given up (counted)
  std::string service_name = "agentprof";
  KeyValuePairs resource_attributes;  // from OTEL_RESOURCE_ATTRIBUTES

  std::string traces_url() const;
  std::string metrics_url() const;
  // One line per setting for --print-config; header values are shown as "<redacted>".
  std::string describe() const;
  // Empty when usable, else what is wrong (bad URL scheme, zero sizes, header with CR/LF...).
  std::string validate() const;
};

// Looks an environment variable up; nullptr when unset. Tests pass a map-backed lookup.
using EnvLookup = std::function<const char*(const char* name)>;
EnvLookup process_env();

// Overlays the OTEL_* variables that are set onto `config` (so defaults or a config file stay
// underneath). Returns an error message (config possibly half-updated) or empty on success.
// OTEL_EXPORTER_OTLP_PROTOCOL other than http/protobuf is an error: only that is implemented.
std::string apply_otel_env(OtlpExporterConfig& config, const EnvLookup& env = process_env());

struct OtlpConfigResult {
  OtlpExporterConfig config;
  std::string error;
  bool ok() const { return error.empty(); }
};
// Defaults overlaid with the environment, then validated.
OtlpConfigResult otlp_config_from_env(const EnvLookup& env = process_env());

// "k=v,k2=v2" (W3C baggage-like, as OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES use):
// keys and values trimmed, values percent-decoded, empty members skipped. Error text on bad input.
std::string parse_key_value_list(std::string_view text, KeyValuePairs& out);
// A URL without its query string and fragment: safe to print (a key= parameter must not leak).
std::string url_for_display(std::string_view url);
// Percent-decoding; false on a malformed escape.
bool percent_decode(std::string_view in, std::string& out);

}  // namespace agentprof::otlp
