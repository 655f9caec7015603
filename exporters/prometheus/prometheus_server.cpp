#include "exporters/prometheus/prometheus_server.h"

#include <httplib.h>

#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <utility>

#include "exporters/prometheus/prometheus_text.h"

namespace agentprof {

namespace {
constexpr size_t kWorkerThreads = 2;  // scrapes are rare; keep agentprof's footprint small
}

PrometheusServer::PrometheusServer(PrometheusServerOptions options, SnapshotProvider provider)
    : options_(std::move(options)), provider_(std::move(provider)) {}

PrometheusServer::~PrometheusServer() { stop(); }

bool PrometheusServer::start(std::string* error) {
  if (server_) {
    if (error) *error = "Prometheus endpoint already started";
    return false;
  }
  auto server = std::make_unique<httplib::Server>();
  server->new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  // SO_REUSEADDR only: httplib's default also sets SO_REUSEPORT, which would let a second agentprof
  // bind the same port silently and split the scrapes between the two.
  server->set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    try {
      std::string body = render_prometheus_text(provider_());
      res.set_content(std::move(body), kPrometheusTextContentType);
      ++scrapes_;
    } catch (const std::exception& e) {
      ++failed_scrapes_;
      res.status = 500;
      res.set_content(std::string("snapshot failed: ") + e.what() + "\n", "text/plain");
    }
  });

  errno = 0;
  int port = options_.port;
  bool bound = false;
  if (options_.port == 0) {
    port = server->bind_to_any_port(options_.host);
    bound = port > 0;
  } else if (options_.port > 0 && options_.port <= 65535) {
    bound = server->bind_to_port(options_.host, options_.port);
  }
  if (!bound) {
    if (error) {
      *error = "cannot listen on " + options_.host + ":" + std::to_string(options_.port);
      if (options_.port < 0 || options_.port > 65535)
        *error += ": port out of range";
      else if (errno != 0)
        *error += std::string(": ") + std::strerror(errno);
      else
        *error += ": bind failed (address not resolvable?)";
    }
    return false;
  }
  bound_port_ = port;
  server_ = std::move(server);
  auto loop_ended = std::make_shared<std::atomic<bool>>(false);
  thread_ = std::thread([s = server_.get(), loop_ended] {
    s->listen_after_bind();
    *loop_ended = true;
  });
  // httplib's stop() does nothing until the server loop runs: wait for it, so a stop() right after
  // start() cannot leave the loop running forever. The socket is bound, so this is quick.
  while (!server_->is_running() && !*loop_ended) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return true;
}

void PrometheusServer::stop() {
  if (!server_) return;
  server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace agentprof
