// OTEL_* environment -> exporter config: URLs, headers (percent-decoded, never printed),
// compression, timeout, resource, and clear errors for what is not supported.
#include <catch2/catch.hpp>

#include <map>

#include "exporters/otlp/otlp_config.h"

using namespace agentprof::otlp;

namespace {

EnvLookup env_of(const std::map<std::string, std::string>& vars) {
  return [vars](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

}  // namespace

TEST_CASE("defaults: localhost:4318 with per-signal paths, no gzip, spec queue sizes") {
  OtlpConfigResult r = otlp_config_from_env(env_of({}));
  REQUIRE(r.ok());
  REQUIRE(r.config.traces_url() == "http://localhost:4318/v1/traces");
  REQUIRE(r.config.metrics_url() == "http://localhost:4318/v1/metrics");
  REQUIRE_FALSE(r.config.gzip);
  REQUIRE(r.config.max_queue_spans == 65536);
  REQUIRE(r.config.max_batch_spans == 2048);
  REQUIRE(r.config.batch_delay == std::chrono::milliseconds(1000));
  REQUIRE(r.config.timeout == std::chrono::milliseconds(10000));
  REQUIRE(r.config.service_name == "agentprof");
}

TEST_CASE("base endpoint gets /v1/<signal>; per-signal endpoints are used as-is") {
  OtlpConfigResult r = otlp_config_from_env(env_of({{"OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318/"},
                                                    {"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://m:9/custom"}}));
  REQUIRE(r.ok());
  REQUIRE(r.config.traces_url() == "https://collector:4318/v1/traces");
  REQUIRE(r.config.metrics_url() == "http://m:9/custom");
  r = otlp_config_from_env(env_of({{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://t:1/x/y"}}));
  REQUIRE(r.config.traces_url() == "http://t:1/x/y");
  REQUIRE(r.config.metrics_url() == "http://localhost:4318/v1/metrics");
}

TEST_CASE("headers are split, trimmed and percent-decoded; describe() never shows their values") {
  OtlpConfigResult r = otlp_config_from_env(
      env_of({{"OTEL_EXPORTER_OTLP_HEADERS", " authorization=Bearer%20s3cr3t , x-tenant = a%2Cb ,, "}}));
  REQUIRE(r.ok());
  REQUIRE(r.config.headers == KeyValuePairs{{"authorization", "Bearer s3cr3t"}, {"x-tenant", "a,b"}});
  std::string shown = r.config.describe();
  REQUIRE(shown.find("authorization=<redacted>") != std::string::npos);
  REQUIRE(shown.find("s3cr3t") == std::string::npos);
  REQUIRE(shown.find("a,b") == std::string::npos);
}

TEST_CASE("malformed headers are an error naming the entry, not its value") {
  auto r = otlp_config_from_env(env_of({{"OTEL_EXPORTER_OTLP_HEADERS", "a=1,novalue"}}));
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.error.find("entry 2") != std::string::npos);
  r = otlp_config_from_env(env_of({{"OTEL_EXPORTER_OTLP_HEADERS", "api-key=abc%zz"}}));
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.error.find("abc") == std::string::npos);
  r = otlp_config_from_env(env_of({{"OTEL_EXPORTER_OTLP_HEADERS", "x=a%0d%0aInjected: 1"}}));
  REQUIRE_FALSE(r.ok());  // CR/LF would split the header line
  r = otlp_config_from_env(env_of({{"OTEL_EXPORTER_OTLP_HEADERS", "bad name=1"}}));
  REQUIRE_FALSE(r.ok());
}

TEST_CASE("protocol other than http/protobuf is rejected clearly") {
  auto r = otlp_config_from_env(env_of({{"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"}}));
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.error.find("grpc") != std::string::npos);
  REQUIRE(r.error.find("http/protobuf") != std::string::npos);
  REQUIRE_FALSE(otlp_config_from_env(env_of({{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"}})).ok());
  REQUIRE(otlp_config_from_env(env_of({{"OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"}})).ok());
}

TEST_CASE("compression and timeout") {
  auto r = otlp_config_from_env(env_of({{"OTEL_EXPORTER_OTLP_COMPRESSION", "GZIP"}, {"OTEL_EXPORTER_OTLP_TIMEOUT", "2500"}}));
  REQUIRE(r.ok());
  REQUIRE(r.config.gzip);
  REQUIRE(r.config.timeout == std::chrono::milliseconds(2500));
  REQUIRE_FALSE(otlp_config_from_env(env_of({{"OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"}})).ok());
  REQUIRE_FALSE(otlp_config_from_env(env_of({{"OTEL_EXPORTER_OTLP_TIMEOUT", "10s"}})).ok());
  REQUIRE_FALSE(otlp_config_from_env(env_of({{"OTEL_EXPORTER_OTLP_TIMEOUT", "0"}})).ok());
}

TEST_CASE("service name: OTEL_SERVICE_NAME over OTEL_RESOURCE_ATTRIBUTES service.name over default") {
  auto r = otlp_config_from_env(env_of({{"OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs,k8s.node.name=n%201"}}));
  REQUIRE(r.ok());
  REQUIRE(r.config.service_name == "from-attrs");
  REQUIRE(r.config.resource_attributes == KeyValuePairs{{"service.name", "from-attrs"}, {"k8s.node.name", "n 1"}});
  r = otlp_config_from_env(env_of({{"OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs"}, {"OTEL_SERVICE_NAME", "svc"}}));
  REQUIRE(r.config.service_name == "svc");
}

TEST_CASE("env overlays an existing config and empty variables count as unset") {
  OtlpExporterConfig c;
  c.endpoint = "http://from-file:4318";
  c.gzip = true;
  REQUIRE(apply_otel_env(c, env_of({{"OTEL_EXPORTER_OTLP_ENDPOINT", ""}, {"OTEL_EXPORTER_OTLP_TIMEOUT", "5"}})).empty());
  REQUIRE(c.endpoint == "http://from-file:4318");
  REQUIRE(c.gzip);
  REQUIRE(c.timeout == std::chrono::milliseconds(5));
}

TEST_CASE("validate rejects unusable settings") {
  OtlpExporterConfig c;
  REQUIRE(c.validate().empty());
  c.endpoint = "collector:4318";
  REQUIRE_FALSE(c.validate().empty());
  c = {};
  c.max_batch_spans = 0;
  REQUIRE_FALSE(c.validate().empty());
  c = {};
  c.traces_endpoint = "http://x/v1/traces?key=SECRET";
  REQUIRE(c.validate().empty());
  REQUIRE(c.describe().find("SECRET") == std::string::npos);
}

TEST_CASE("percent_decode") {
  std::string out;
  REQUIRE(percent_decode("a%20b%2c%2C", out));
  REQUIRE(out == "a b,,");
  REQUIRE_FALSE(percent_decode("%2", out));
  REQUIRE_FALSE(percent_decode("%", out));
  REQUIRE_FALSE(percent_decode("%g0", out));
}
