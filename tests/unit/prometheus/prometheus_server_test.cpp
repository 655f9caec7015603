#include "exporters/prometheus/prometheus_server.h"

#include <httplib.h>

#include <catch2/catch.hpp>
#include <stdexcept>

#include "exporters/prometheus/prometheus_text.h"

using namespace agentprof;

namespace {
MetricsSnapshot one_gauge(double v) {
  MetricsSnapshot snap;
  MetricFamily g;
  g.name = "agentprof.queue.depth";
  g.kind = MetricKind::kGauge;
  g.description = "Queue depth.";
  g.numbers.push_back({{}, v});
  snap.families.push_back(g);
  return snap;
}
}  // namespace

TEST_CASE("GET /metrics serves a fresh snapshot per scrape; other paths are 404") {
  double value = 1;
  PrometheusServer server({"127.0.0.1", 0}, [&] { return one_gauge(value); });
  std::string error;
  REQUIRE(server.start(&error));
  REQUIRE(server.port() > 0);

  httplib::Client client("127.0.0.1", server.port());
  auto res = client.Get("/metrics");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == kPrometheusTextContentType);
  CHECK(res->body == "# HELP agentprof_queue_depth Queue depth.\n# TYPE agentprof_queue_depth gauge\n"
                     "agentprof_queue_depth 1\n");
  value = 42;
  res = client.Get("/metrics");
  REQUIRE(res);
  CHECK(res->body.find("agentprof_queue_depth 42\n") != std::string::npos);
  res = client.Get("/other");
  REQUIRE(res);
  CHECK(res->status == 404);
  CHECK(server.scrapes() == 2);
  server.stop();
  server.stop();  // idempotent
  CHECK_FALSE(client.Get("/metrics"));
}

TEST_CASE("a provider failure answers 500 and is counted") {
  PrometheusServer server({"127.0.0.1", 0}, []() -> MetricsSnapshot { throw std::runtime_error("boom"); });
  std::string error;
  REQUIRE(server.start(&error));
  httplib::Client client("127.0.0.1", server.port());
  auto res = client.Get("/metrics");
  REQUIRE(res);
  CHECK(res->status == 500);
  CHECK(server.failed_scrapes() == 1);
}

TEST_CASE("start reports a port already in use clearly") {
  PrometheusServer first({"127.0.0.1", 0}, [] { return one_gauge(1); });
  std::string error;
  REQUIRE(first.start(&error));
  PrometheusServer second({"127.0.0.1", first.port()}, [] { return one_gauge(1); });
  CHECK_FALSE(second.start(&error));
  CHECK(error == "cannot listen on 127.0.0.1:" + std::to_string(first.port()) + ": Address already in use");
  CHECK_FALSE(first.start(&error));
  CHECK(error == "Prometheus endpoint already started");
  PrometheusServer bad({"127.0.0.1", 70000}, [] { return one_gauge(1); });
  CHECK_FALSE(bad.start(&error));
  CHECK(error == "cannot listen on 127.0.0.1:70000: port out of range");
}
