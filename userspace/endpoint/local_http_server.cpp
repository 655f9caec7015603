#include "endpoint/local_http_server.h"

#include <httplib.h>

#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <set>

namespace agentprof {

namespace {
constexpr size_t kMaxRequestBody = 64 * 1024;  // no route reads a body: refuse large uploads early
}

std::vector<std::string> HttpRequest::values(const std::string& name) const {
  std::vector<std::string> out;
  auto [begin, end] = params.equal_range(name);
  for (auto it = begin; it != end; ++it) out.push_back(it->second);
  return out;
}

HttpReply HttpReply::text(int status, std::string message) {
  HttpReply r;
  r.status = status;
  if (message.empty() || message.back() != '\n') message.push_back('\n');
  r.body = std::move(message);
  return r;
}

LocalHttpServer::LocalHttpServer(LocalHttpServerOptions options) : options_(std::move(options)) {
  if (options_.worker_threads == 0) options_.worker_threads = 1;
}

LocalHttpServer::~LocalHttpServer() { stop(); }

void LocalHttpServer::get(const std::string& path, HttpHandler handler) {
  routes_.push_back({"GET", path, std::move(handler)});
}

void LocalHttpServer::post(const std::string& path, HttpHandler handler) {
  routes_.push_back({"POST", path, std::move(handler)});
}

void LocalHttpServer::install(httplib::Server& server) {
  // Paths are exact: escape regex syntax so a '.' in a path cannot match anything else.
  auto pattern = [](const std::string& path) {
    std::string out;
    for (char c : path) {
      if (std::strchr(".^$|()[]{}*+?\\", c)) out.push_back('\\');
      out.push_back(c);
    }
    return out;
  };
  auto respond = [this](const HttpHandler& handler, const httplib::Request& req, httplib::Response& res) {
    ++requests_;
    HttpRequest request{req.method, req.path, {req.params.begin(), req.params.end()}};
    HttpReply reply;
    try {
      reply = handler(request);
    } catch (const std::exception& e) {
      ++handler_errors_;
      reply = HttpReply::text(500, std::string("internal error: ") + e.what());
    }
    res.status = reply.status;
    for (const auto& [k, v] : reply.headers) res.set_header(k, v);
    res.set_content(std::move(reply.body), reply.content_type);
  };
  std::map<std::string, std::set<std::string>> methods_of;
  for (const Route& r : routes_) methods_of[r.path].insert(r.method);
  // The path exists but not for this method: say which methods it has.
  auto not_allowed = [methods_of](const std::string& path) -> HttpHandler {
    std::string allow;
    for (const std::string& m : methods_of.at(path)) allow += (allow.empty() ? "" : ", ") + m;
    return [allow](const HttpRequest& req) {
      HttpReply r = HttpReply::text(405, req.method + " is not allowed here; use " + allow);
      r.headers.emplace_back("Allow", allow);
      return r;
    };
  };
  auto find = [this, methods_of, not_allowed](const std::string& method, const std::string& path) -> HttpHandler {
    for (const Route& r : routes_)
      if (r.method == method && r.path == path) return r.handler;
    if (methods_of.count(path) && (method == "GET" || method == "POST")) return not_allowed(path);
    return nullptr;
  };
  // No route reads a body. httplib reads a POST body before routing, and a POST without
  // Content-Length (plain `curl -X POST`) would be read until the client closes: answer requests
  // that declare no body here, before that read.
  server.set_pre_routing_handler([find, respond](const httplib::Request& req, httplib::Response& res) {
    if (req.has_header("Content-Length") || req.has_header("Transfer-Encoding"))
      return httplib::Server::HandlerResponse::Unhandled;
    HttpHandler handler = find(req.method, req.path);
    if (!handler) return httplib::Server::HandlerResponse::Unhandled;
    respond(handler, req, res);
    return httplib::Server::HandlerResponse::Handled;
  });
  // Requests with a (small, ignored) body take httplib's routes.
  for (const auto& [path, methods] : methods_of) {
    auto route = [find, respond, method_path = path](const httplib::Request& req, httplib::Response& res) {
      respond(find(req.method, method_path), req, res);
    };
    server.Get(pattern(path), route);
    server.Post(pattern(path), route);
  }
}

bool LocalHttpServer::start(std::string* error) {
  if (server_) {
    if (error) *error = "HTTP endpoint already started";
    return false;
  }
  auto server = std::make_unique<httplib::Server>();
  size_t workers = options_.worker_threads;
  server->new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  server->set_payload_max_length(kMaxRequestBody);
  // SO_REUSEADDR only: httplib's default also sets SO_REUSEPORT, which would let a second agentprof
  // bind the same port silently and split the requests between the two.
  server->set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  install(*server);

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

void LocalHttpServer::stop() {
  if (!server_) return;
  server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace agentprof
