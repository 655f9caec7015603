// The flame graph routes of the local HTTP endpoint:
//   POST /debug/flame             an on-demand capture of the given processes (99 Hz default),
//                                 answered with the file when it ends; one capture at a time
//                                 (a second one gets 409 at once).
//   GET  /debug/flame/continuous  the recent continuous-profiling windows merged into one.
// Bad parameters answer 400 with the reason (see flame_request.h).
#pragma once

#include <atomic>
#include <cstdint>

#include "endpoint/flame_request.h"
#include "endpoint/local_http_server.h"

namespace agentprof {

namespace profile {
class ContinuousProfiler;
}

struct FlameRouteStats {
  std::atomic<uint64_t> captures{0};        // on-demand captures answered with a profile
  std::atomic<uint64_t> busy_rejections{0}; // 409: another capture was running
  std::atomic<uint64_t> bad_requests{0};    // 400
};

class FlameRoutes {
 public:
  // `continuous` may be null (profiling off); it must outlive the routes.
  explicit FlameRoutes(const profile::ContinuousProfiler* continuous);
  FlameRoutes(const FlameRoutes&) = delete;
  FlameRoutes& operator=(const FlameRoutes&) = delete;

  void add_to(LocalHttpServer& server);
  // Ends a capture in progress early (it answers 503): call before stopping the server.
  void cancel() { cancelled_ = true; }

  HttpReply capture(const HttpRequest& request);
  HttpReply continuous(const HttpRequest& request) const;
  const FlameRouteStats& stats() const { return stats_; }

 private:
  const profile::ContinuousProfiler* continuous_;
  std::atomic<bool> capturing_{false};
  std::atomic<bool> cancelled_{false};
  mutable FlameRouteStats stats_;
};

}  // namespace agentprof
