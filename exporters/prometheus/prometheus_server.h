// The Prometheus scrape endpoint: GET /metrics answers with the text exposition of a snapshot taken
// at scrape time. Serves on its own thread (cpp-httplib, two worker threads); everything else is 404.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "metrics/metric_snapshot.h"

namespace httplib {
class Server;
}

namespace agentprof {

struct PrometheusServerOptions {
  std::string host = "127.0.0.1";
  int port = 9464;  // 0 = any free port (see port())
};

class PrometheusServer {
 public:
  using SnapshotProvider = std::function<MetricsSnapshot()>;

  PrometheusServer(PrometheusServerOptions options, SnapshotProvider provider);
  ~PrometheusServer();  // stops
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  // Binds and starts serving. False with *error like "cannot listen on 127.0.0.1:9464: Address
  // already in use" when the address cannot be bound; false too if already started.
  bool start(std::string* error);
  void stop();  // idempotent; waits for the serving thread

  int port() const { return bound_port_; }  // the bound port once started
  uint64_t scrapes() const { return scrapes_.load(); }
  uint64_t failed_scrapes() const { return failed_scrapes_.load(); }  // provider threw

 private:
  PrometheusServerOptions options_;
  SnapshotProvider provider_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int bound_port_ = 0;
  std::atomic<uint64_t> scrapes_{0}, failed_scrapes_{0};
};

}  // namespace agentprof
