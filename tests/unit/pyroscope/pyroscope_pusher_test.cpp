#include "exporters/pyroscope/pyroscope_pusher.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <thread>

using namespace agentprof;
using namespace agentprof::pyroscope;
using namespace std::chrono_literals;

namespace {

// A Pyroscope stand-in: answers /ingest with the status the test chooses per request.
class FakeIngest {
 public:
  explicit FakeIngest(std::function<int(size_t)> status) : status_(std::move(status)) {
    server_.Post("/ingest", [this](const httplib::Request& req, httplib::Response& res) {
      size_t n;
      {
        std::lock_guard lock(mu_);
        requests_.push_back(req);
        n = requests_.size() - 1;
      }
      res.status = status_(n);  // may block (a hanging server): not under the lock
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }
  ~FakeIngest() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<httplib::Request> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  httplib::Server server_;
  std::function<int(size_t)> status_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<httplib::Request> requests_;
};

Profile window(uint64_t start_s) {
  Profile p;
  p.frequency_hz = 19;
  p.sample_period_ns = 1'000'000'000 / 19;
  p.start_unix_ns = start_s * 1'000'000'000;
  p.duration_ns = 10'000'000'000;
  StackSample s;
  s.pid = 42;
  s.comm = "agent";
  s.frames = {{"main", "/bin/agent", "", 0, FrameKind::kNative}, {"hot_loop", "/bin/agent", "", 0, FrameKind::kNative}};
  s.count = 57;
  p.samples.push_back(s);
  return p;
}

PyroscopeConfig config(const std::string& url) {
  PyroscopeConfig c;
  c.url = url;
  c.app_name = "agents";
  c.labels = {{"env", "ci"}};
  c.retry_initial_backoff = 10ms;
  c.retry_max_backoff = 20ms;
  c.timeout = 2000ms;
  return c;
}

template <typename F>
bool eventually(F f, std::chrono::milliseconds limit = 5000ms) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (f()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return f();
}

}  // namespace

TEST_CASE("a window is pushed as gzipped pprof with the ingest parameters") {
  FakeIngest server([](size_t) { return 200; });
  PyroscopePusher pusher(config(server.url()));
  pusher.push(window(1700000000));
  pusher.push(Profile{});  // no samples: nothing to send
  REQUIRE(eventually([&] { return pusher.stats().sent == 1; }));
  auto reqs = server.requests();
  REQUIRE(reqs.size() == 1);
  const httplib::Request& r = reqs[0];
  CHECK(r.get_param_value("name") == "agents{env=ci}");
  CHECK(r.get_param_value("from") == "1700000000");
  CHECK(r.get_param_value("until") == "1700000010");
  CHECK(r.get_param_value("format") == "pprof");
  CHECK(r.get_param_value("sampleRate") == "19");
  CHECK(r.get_param_value("spyName") == "agentprof");
  CHECK(r.get_header_value("Content-Type") == "application/octet-stream");
  REQUIRE(r.body.size() > 2);
  CHECK(uint8_t(r.body[0]) == 0x1f);  // gzip magic
  CHECK(uint8_t(r.body[1]) == 0x8b);
  // The profile inside names the hot function.
  std::string raw(1 << 20, '\0');
  uLongf n = 0;
  z_stream z{};
  REQUIRE(inflateInit2(&z, 16 + MAX_WBITS) == Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(r.body.data()));
  z.avail_in = uInt(r.body.size());
  z.next_out = reinterpret_cast<Bytef*>(raw.data());
  z.avail_out = uInt(raw.size());
  REQUIRE(inflate(&z, Z_FINISH) == Z_STREAM_END);
  n = z.total_out;
  inflateEnd(&z);
  raw.resize(n);
  CHECK(raw.find("hot_loop") != std::string::npos);
  CHECK(pusher.shutdown(1000ms));
  CHECK(pusher.stats().failed == 0);
}

TEST_CASE("throttling is retried with backoff; a refusal is not") {
  FakeIngest server([](size_t n) { return n < 2 ? 503 : (n == 2 ? 200 : 400); });
  PyroscopePusher pusher(config(server.url()));
  pusher.push(window(1));
  REQUIRE(eventually([&] { return pusher.stats().sent == 1; }));
  CHECK(pusher.stats().retries == 2);
  pusher.push(window(2));
  REQUIRE(eventually([&] { return pusher.stats().rejected == 1; }));
  CHECK(server.requests().size() == 4);
  CHECK(pusher.stats().last_error.rfind("HTTP 400", 0) == 0);
  CHECK(pusher.shutdown(1000ms));
}

TEST_CASE("an unreachable server never blocks push; failures and drops are counted") {
  // A port bound but never listened on: connections are refused at once, and no other process can
  // take the port while the test runs (a port merely closed again could be reused meanwhile).
  int held = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(held >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(held, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  socklen_t len = sizeof(addr);
  REQUIRE(getsockname(held, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  int port = ntohs(addr.sin_port);
  struct CloseAtEnd {
    int fd;
    ~CloseAtEnd() { close(fd); }
  } close_at_end{held};
  PyroscopeConfig c = config("http://127.0.0.1:" + std::to_string(port));
  c.max_queue = 2;
  c.max_attempts = 2;
  PyroscopePusher pusher(c);
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; i++) pusher.push(window(uint64_t(i)));
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);  // rendering only, no network wait
  REQUIRE(eventually([&] { return pusher.stats().queue_depth == 0 && pusher.stats().failed > 0; }, 20000ms));
  PushStats s = pusher.stats();
  CHECK(s.sent == 0);
  CHECK(s.dropped_queue_full > 0);
  CHECK(s.failed + s.dropped_queue_full + s.dropped_shutdown <= 20);
  CHECK(s.last_error.rfind("transport: ", 0) == 0);
  pusher.shutdown(500ms);
  s = pusher.stats();
  INFO("failed " << s.failed << " rejected " << s.rejected << " dropped " << s.dropped_queue_full << "+"
                 << s.dropped_shutdown);
  CHECK(s.rejected == 0);
  CHECK(s.failed + s.dropped_queue_full + s.dropped_shutdown == 20);  // every window accounted for
}

TEST_CASE("shutdown gives up on a hanging server by its deadline") {
  std::atomic<bool> release{false};
  FakeIngest server([&](size_t) {
    while (!release) std::this_thread::sleep_for(5ms);
    return 200;
  });
  PyroscopeConfig c = config(server.url());
  c.timeout = 30000ms;
  PyroscopePusher pusher(c);
  pusher.push(window(1));
  pusher.push(window(2));
  REQUIRE(eventually([&] { return server.requests().size() == 1; }));
  auto t0 = std::chrono::steady_clock::now();
  CHECK_FALSE(pusher.shutdown(300ms));
  CHECK(std::chrono::steady_clock::now() - t0 < 3s);
  CHECK(pusher.stats().dropped_shutdown == 1);
  release = true;
}
