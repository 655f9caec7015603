// agentprof's local HTTP endpoint: one cpp-httplib server (127.0.0.1 by default) with routes
// registered by the parts that serve something (GET /metrics, POST /debug/flame, ...). Handlers see
// a plain request and return a plain reply, so they are testable without sockets. A known path asked
// with another method answers 405; unknown paths 404; a handler that throws 500 (counted).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace httplib {
class Server;
}

namespace agentprof {

struct HttpRequest {
  std::string method;
  std::string path;
  std::multimap<std::string, std::string> params;  // query parameters, percent-decoded

  // Every value of `name`, in request order.
  std::vector<std::string> values(const std::string& name) const;
};

struct HttpReply {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  // A text reply ending in a newline (errors: "400 bad pid ..." stays readable with curl).
  static HttpReply text(int status, std::string message);
};

using HttpHandler = std::function<HttpReply(const HttpRequest&)>;

struct LocalHttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 9464;            // 0: any free port (see port())
  // A long on-demand capture holds one worker; the others keep /metrics answering.
  size_t worker_threads = 4;
};

class LocalHttpServer {
 public:
  explicit LocalHttpServer(LocalHttpServerOptions options);
  ~LocalHttpServer();  // stops
  LocalHttpServer(const LocalHttpServer&) = delete;
  LocalHttpServer& operator=(const LocalHttpServer&) = delete;

  // Routes are exact paths; register them before start().
  void get(const std::string& path, HttpHandler handler);
  void post(const std::string& path, HttpHandler handler);

  // Binds and serves on a background thread. False with *error like "cannot listen on
  // 127.0.0.1:9464: Address already in use"; false too if already started.
  bool start(std::string* error);
  void stop();  // idempotent; waits for handlers in progress

  int port() const { return bound_port_; }
  const std::string& host() const { return options_.host; }
  uint64_t requests() const { return requests_.load(); }
  uint64_t handler_errors() const { return handler_errors_.load(); }

 private:
  struct Route {
    std::string method;
    std::string path;
    HttpHandler handler;
  };
  void install(httplib::Server& server);

  LocalHttpServerOptions options_;
  std::vector<Route> routes_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int bound_port_ = 0;
  std::atomic<uint64_t> requests_{0}, handler_errors_{0};
};

}  // namespace agentprof
