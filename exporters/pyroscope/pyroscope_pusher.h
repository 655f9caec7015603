// Pushes continuous-profiling windows to Pyroscope from a background thread. push() renders the
// window as gzipped pprof and queues it without touching the network; the queue is bounded (the
// oldest window is dropped when full, counted). Throttling, gateway errors and transport failures
// are retried with exponential backoff (Retry-After honoured) up to max_attempts; every outcome is
// counted. An unreachable or slow server never blocks the caller.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "exporters/pyroscope/pyroscope_config.h"
#include "exporters/pyroscope/pyroscope_request.h"
#include "userspace/profile/profile.h"

namespace agentprof::otlp {
class CurlPoster;
}

namespace agentprof::pyroscope {

struct PushStats {
  uint64_t sent = 0;                // accepted (2xx)
  uint64_t retries = 0;             // attempts after the first
  uint64_t failed = 0;              // given up after retryable errors
  uint64_t rejected = 0;            // refused with a non-retryable status (4xx, 500...)
  uint64_t dropped_queue_full = 0;  // oldest window dropped for a newer one
  uint64_t dropped_shutdown = 0;    // still queued when shutdown's deadline passed
  uint64_t render_errors = 0;       // window could not be encoded
  size_t queue_depth = 0;
  std::string last_error;           // status or transport error of the last failed attempt
};

class PyroscopePusher {
 public:
  explicit PyroscopePusher(PyroscopeConfig config);
  ~PyroscopePusher();  // shutdown(timeout) if still running
  PyroscopePusher(const PyroscopePusher&) = delete;
  PyroscopePusher& operator=(const PyroscopePusher&) = delete;

  // Queues `window` (sampled at its frequency_hz). Windows without samples are not sent.
  void push(const Profile& window);
  // Stops accepting, keeps sending what is queued (no more retries) until `deadline`, then aborts
  // the transfer in progress. True when nothing was left behind.
  bool shutdown(std::chrono::milliseconds deadline);
  PushStats stats() const;

 private:
  void run();
  void send(IngestRequest& request);
  void wait_backoff(std::chrono::milliseconds delay);

  PyroscopeConfig config_;
  std::unique_ptr<otlp::CurlPoster> poster_;
  std::thread worker_;
  std::atomic<bool> abort_{false};
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<IngestRequest> queue_;
  bool stopping_ = false;
  bool busy_ = false;  // the worker holds a request outside the queue
  PushStats stats_;
};

}  // namespace agentprof::pyroscope
