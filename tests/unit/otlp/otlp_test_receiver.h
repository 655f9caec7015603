// A local OTLP/HTTP receiver for tests: cpp-httplib on 127.0.0.1, records every request (headers,
// gunzipped body, arrival time) and answers with a per-test reply function (default: 200, empty).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "otlp_metrics_service.pb.h"
#include "otlp_trace_service.pb.h"

namespace agentprof::otlp::testing {

struct ReceivedRequest {
  std::string path;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;                            // decompressed
  std::chrono::steady_clock::time_point at;
};

// Reply for the n-th request (0-based) to `path`; leave `res` alone for 200 with an empty body.
using ReplyFn = std::function<void(const ReceivedRequest& req, size_t n, httplib::Response& res)>;

class TestReceiver {
 public:
  explicit TestReceiver(int port = 0);  // 0 = any free port
  ~TestReceiver();
  void stop();

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void set_reply(ReplyFn reply);

  std::vector<ReceivedRequest> requests(const std::string& path) const;
  // Every ExportTraceServiceRequest received (fails the test if one does not parse).
  std::vector<opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest> trace_requests() const;
  std::vector<opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest> metrics_requests() const;
  std::vector<opentelemetry::proto::trace::v1::Span> all_spans() const;
  // Waits until at least n spans arrived or `timeout` passes; returns the count.
  size_t wait_for_spans(size_t n, std::chrono::milliseconds timeout) const;

 private:
  void handle(const httplib::Request& req, httplib::Response& res);

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  ReplyFn reply_;
  std::vector<ReceivedRequest> received_;
  std::map<std::string, size_t> per_path_count_;
  size_t spans_received_ = 0;
};

std::string gunzip(const std::string& data);

}  // namespace agentprof::otlp::testing
