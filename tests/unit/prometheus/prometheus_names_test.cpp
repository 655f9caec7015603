#include "exporters/prometheus/prometheus_names.h"

#include <catch2/catch.hpp>

using namespace agentprof;

namespace {
MetricFamily fam(const char* name, const char* unit, MetricKind kind) {
  MetricFamily f;
  f.name = name;
  f.unit = unit;
  f.kind = kind;
  return f;
}
}  // namespace

TEST_CASE("OTel metric names map to Prometheus names with unit suffixes and _total") {
  CHECK(prometheus_metric_name(fam("gen_ai.client.token.usage", "{token}", MetricKind::kHistogram)) ==
        "gen_ai_client_token_usage");
  CHECK(prometheus_metric_name(fam("gen_ai.client.operation.duration", "s", MetricKind::kHistogram)) ==
        "gen_ai_client_operation_duration_seconds");
  CHECK(prometheus_metric_name(fam("gen_ai.client.operation.time_to_first_chunk", "s",
                                   MetricKind::kHistogram)) ==
        "gen_ai_client_operation_time_to_first_chunk_seconds");
  CHECK(prometheus_metric_name(fam("agentprof.calls", "{call}", MetricKind::kCounter)) ==
        "agentprof_calls_total");
  CHECK(prometheus_metric_name(fam("agentprof.cost", "USD", MetricKind::kCounter)) ==
        "agentprof_cost_usd_total");
  CHECK(prometheus_metric_name(fam("process.cpu.time", "s", MetricKind::kCounter)) ==
        "process_cpu_time_seconds_total");
  CHECK(prometheus_metric_name(fam("process.memory.usage", "By", MetricKind::kGauge)) ==
        "process_memory_usage_bytes");
  CHECK(prometheus_metric_name(fam("x.rate", "By/s", MetricKind::kGauge)) == "x_rate_bytes_per_seconds");
  CHECK(prometheus_metric_name(fam("x.ratio", "1", MetricKind::kGauge)) == "x_ratio");  // already ends so
  CHECK(prometheus_metric_name(fam("x.util", "1", MetricKind::kGauge)) == "x_util_ratio");
  CHECK(prometheus_metric_name(fam("x.requests_total", "", MetricKind::kCounter)) == "x_requests_total");
  CHECK(prometheus_metric_name(fam("req.time.seconds", "s", MetricKind::kGauge)) == "req_time_seconds");
  CHECK(prometheus_metric_name(fam("9lives..é", "", MetricKind::kGauge)) == "_9lives_");
}

TEST_CASE("label names: dots to underscores, no leading digit, no colon, no double underscore") {
  CHECK(prometheus_label_name("gen_ai.token.type") == "gen_ai_token_type");
  CHECK(prometheus_label_name("server.port") == "server_port");
  CHECK(prometheus_label_name("0day") == "key_0day");
  CHECK(prometheus_label_name("a:b") == "a_b");
  CHECK(prometheus_label_name("__name__") == "_name_");
  CHECK(prometheus_label_name("") == "key_");
}
