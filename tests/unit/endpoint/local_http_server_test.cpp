#include "endpoint/local_http_server.h"

#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <stdexcept>

#include "endpoint/metrics_route.h"
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
  LocalHttpServer server({"127.0.0.1", 0});
  MetricsRouteStats stats;
  add_metrics_route(server, [&] { return one_gauge(value); }, &stats);
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
  CHECK(stats.scrapes == 2);
  server.stop();
  server.stop();  // idempotent
  CHECK_FALSE(client.Get("/metrics"));
}

TEST_CASE("a provider failure answers 500 and is counted") {
  LocalHttpServer server({"127.0.0.1", 0});
  MetricsRouteStats stats;
  add_metrics_route(server, []() -> MetricsSnapshot { throw std::runtime_error("boom"); }, &stats);
  std::string error;
  REQUIRE(server.start(&error));
  httplib::Client client("127.0.0.1", server.port());
  auto res = client.Get("/metrics");
  REQUIRE(res);
  CHECK(res->status == 500);
  CHECK(res->body == "snapshot failed: boom\n");
  CHECK(stats.failed_scrapes == 1);
}

TEST_CASE("routes get decoded query parameters; a known path with another method is 405") {
  LocalHttpServer server({"127.0.0.1", 0});
  server.post("/debug/x", [](const HttpRequest& r) {
    std::string out = r.method + " " + r.path;
    for (const std::string& v : r.values("pid")) out += " pid=" + v;
    return HttpReply::text(200, out);
  });
  server.get("/throws", [](const HttpRequest&) -> HttpReply { throw std::runtime_error("bad state"); });
  std::string error;
  REQUIRE(server.start(&error));
  httplib::Client client("127.0.0.1", server.port());
  auto res = client.Post("/debug/x?pid=1&pid=2%2C3&x=y", "", "text/plain");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body == "POST /debug/x pid=1 pid=2,3\n");
  res = client.Get("/debug/x");
  REQUIRE(res);
  CHECK(res->status == 405);
  CHECK(res->get_header_value("Allow") == "POST");
  res = client.Get("/debug/x/more");  // exact paths only
  REQUIRE(res);
  CHECK(res->status == 404);
  res = client.Get("/throws");
  REQUIRE(res);
  CHECK(res->status == 500);
  CHECK(res->body == "internal error: bad state\n");
  CHECK(server.handler_errors() == 1);
}

TEST_CASE("a POST without Content-Length (curl -X POST) is answered at once") {
  LocalHttpServer server({"127.0.0.1", 0});
  server.post("/debug/x", [](const HttpRequest& r) { return HttpReply::text(200, "pid " + r.values("pid").at(0)); });
  std::string error;
  REQUIRE(server.start(&error));
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(server.port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const std::string request = "POST /debug/x?pid=42 HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n";
  REQUIRE(write(fd, request.data(), request.size()) == ssize_t(request.size()));
  auto t0 = std::chrono::steady_clock::now();
  std::string response;
  char buf[4096];
  while (response.find("pid 42\n") == std::string::npos) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    response.append(buf, size_t(n));
  }
  close(fd);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
  CHECK(response.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(response.find("pid 42\n") != std::string::npos);
}

TEST_CASE("a slow handler does not hold up other requests") {
  LocalHttpServer server({"127.0.0.1", 0, 4});
  std::atomic<bool> release{false};
  server.post("/slow", [&](const HttpRequest&) {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return HttpReply::text(200, "slow");
  });
  add_metrics_route(server, [] { return one_gauge(7); });
  std::string error;
  REQUIRE(server.start(&error));
  std::thread slow([&] {
    httplib::Client c("127.0.0.1", server.port());
    c.set_read_timeout(30, 0);
    auto r = c.Post("/slow", "", "text/plain");
    CHECK((r && r->status == 200));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  httplib::Client client("127.0.0.1", server.port());
  auto t0 = std::chrono::steady_clock::now();
  auto res = client.Get("/metrics");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
  release = true;
  slow.join();
}

TEST_CASE("start reports a port already in use clearly") {
  LocalHttpServer first({"127.0.0.1", 0});
  std::string error;
  REQUIRE(first.start(&error));
  LocalHttpServer second({"127.0.0.1", first.port()});
  CHECK_FALSE(second.start(&error));
  CHECK(error == "cannot listen on 127.0.0.1:" + std::to_string(first.port()) + ": Address already in use");
  CHECK_FALSE(first.start(&error));
  CHECK(error == "HTTP endpoint already started");
  LocalHttpServer bad({"127.0.0.1", 70000});
  CHECK_FALSE(bad.start(&error));
  CHECK(error == "cannot listen on 127.0.0.1:70000: port out of range");
}
