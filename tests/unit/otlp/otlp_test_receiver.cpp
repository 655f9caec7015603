#include "otlp_test_receiver.h"

#include <zlib.h>

#include <catch2/catch.hpp>
#include <stdexcept>

namespace agentprof::otlp::testing {

std::string gunzip(const std::string& data) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) throw std::runtime_error("inflateInit2");
  std::string out;
  char buf[65536];
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = uInt(data.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("bad gzip body");
  return out;
}

TestReceiver::TestReceiver(int port) {
  auto handler = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
  server_.Post("/v1/traces", handler);
  server_.Post("/v1/metrics", handler);
  server_.Post("/custom/traces", handler);
  server_.set_keep_alive_timeout(1);  // stop() waits for idle keep-alive connections to time out
  if (port == 0) {
    port_ = server_.bind_to_any_port("127.0.0.1");
  } else {
    // The port was ours a moment ago; retry briefly while the kernel releases it.
    for (int i = 0; i < 50 && !server_.bind_to_port("127.0.0.1", port); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    port_ = port;
  }
  if (port_ <= 0) throw std::runtime_error("test receiver cannot bind");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  // stop() before the accept loop runs would be lost and join() would hang.
  while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

TestReceiver::~TestReceiver() { stop(); }

void TestReceiver::stop() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

void TestReceiver::set_reply(ReplyFn reply) {
  std::lock_guard lk(mu_);
  reply_ = std::move(reply);
}

void TestReceiver::handle(const httplib::Request& req, httplib::Response& res) {
  ReceivedRequest r;
  r.path = req.path;
  r.at = std::chrono::steady_clock::now();
  for (const auto& [k, v] : req.headers) {
    std::string key = k;
    for (char& c : key) c = char(std::tolower(static_cast<unsigned char>(c)));
    r.headers[key] = v;
  }
  // cpp-httplib may already have inflated a gzip body; inflate here if it did not.
  bool gzip_magic = req.body.size() >= 2 && uint8_t(req.body[0]) == 0x1f && uint8_t(req.body[1]) == 0x8b;
  r.body = gzip_magic ? gunzip(req.body) : req.body;
  ReplyFn reply;
  size_t n = 0;
  {
    std::lock_guard lk(mu_);
    reply = reply_;
    n = per_path_count_[r.path]++;
  }
  res.status = 200;
  res.set_content("", "application/x-protobuf");
  if (reply) reply(r, n, res);
  // Recorded only when accepted, so "received" means what the exporter may count as exported.
  if (res.status >= 200 && res.status < 300) {
    size_t spans = 0;
    if (r.path != "/v1/metrics") {
      opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest parsed;
      if (parsed.ParseFromString(r.body))
        for (const auto& rs : parsed.resource_spans())
          for (const auto& ss : rs.scope_spans()) spans += size_t(ss.spans_size());
    }
    std::lock_guard lk(mu_);
    spans_received_ += spans;
    received_.push_back(std::move(r));
  }
}

std::vector<ReceivedRequest> TestReceiver::requests(const std::string& path) const {
  std::lock_guard lk(mu_);
  std::vector<ReceivedRequest> out;
  for (const auto& r : received_)
    if (r.path == path) out.push_back(r);
  return out;
}

std::vector<opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest> TestReceiver::trace_requests()
    const {
  std::vector<opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest> out;
  std::lock_guard lk(mu_);
  for (const auto& r : received_) {
    if (r.path == "/v1/metrics") continue;
    out.emplace_back();
    REQUIRE(out.back().ParseFromString(r.body));
  }
  return out;
}

std::vector<opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest>
TestReceiver::metrics_requests() const {
  std::vector<opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest> out;
  std::lock_guard lk(mu_);
  for (const auto& r : received_) {
    if (r.path != "/v1/metrics") continue;
    out.emplace_back();
    REQUIRE(out.back().ParseFromString(r.body));
  }
  return out;
}

std::vector<opentelemetry::proto::trace::v1::Span> TestReceiver::all_spans() const {
  std::vector<opentelemetry::proto::trace::v1::Span> out;
  for (const auto& req : trace_requests())
    for (const auto& rs : req.resource_spans())
      for (const auto& ss : rs.scope_spans())
        for (const auto& s : ss.spans()) out.push_back(s);
  return out;
}

size_t TestReceiver::wait_for_spans(size_t n, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t have = 0;
  while (true) {
    {
      std::lock_guard lk(mu_);
      have = spans_received_;
    }
    if (have >= n || std::chrono::steady_clock::now() >= deadline) return have;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace agentprof::otlp::testing
