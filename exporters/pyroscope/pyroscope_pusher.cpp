#include "exporters/pyroscope/pyroscope_pusher.h"

#include <algorithm>
#include <random>

#include "exporters/flame/pprof_writer.h"
#include "exporters/otlp/curl_poster.h"
#include "exporters/otlp/retry_policy.h"

namespace agentprof::pyroscope {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kMaxRetryAfter = std::chrono::seconds(60);

// A server's error text is untrusted: keep it printable and short.
std::string printable(std::string_view text, size_t max_len = 200) {
  std::string out;
  for (char c : text) {
    if (out.size() >= max_len) return out + "...";
    out.push_back((c >= 0x20 && c < 0x7f) ? c : '?');
  }
  return out;
}

}  // namespace

PyroscopePusher::PyroscopePusher(PyroscopeConfig config)
    : config_(std::move(config)), poster_(std::make_unique<otlp::CurlPoster>()) {
  config_.max_queue = std::max<size_t>(config_.max_queue, 1);
  config_.max_attempts = std::max(config_.max_attempts, 1);
  config_.timeout = std::max(config_.timeout, std::chrono::milliseconds(1));
  worker_ = std::thread([this] { run(); });
}

PyroscopePusher::~PyroscopePusher() {
  if (worker_.joinable()) shutdown(config_.timeout);
}

void PyroscopePusher::push(const Profile& window) {
  if (window.samples.empty()) return;
  std::string pprof, error;
  if (!flame::render_pprof_gz(window, pprof, error)) {
    std::lock_guard lock(mu_);
    stats_.render_errors++;
    stats_.last_error = "render: " + error;
    return;
  }
  uint64_t from = window.start_unix_ns / 1'000'000'000ull;
  uint64_t until = (window.start_unix_ns + window.duration_ns + 999'999'999ull) / 1'000'000'000ull;
  IngestRequest request = build_ingest_request(config_, from, until, window.frequency_hz, std::move(pprof));
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      stats_.dropped_shutdown++;
      return;
    }
    if (queue_.size() >= config_.max_queue) {
      queue_.pop_front();  // the newest window is worth more than the oldest
      stats_.dropped_queue_full++;
    }
    queue_.push_back(std::move(request));
  }
  wake_.notify_all();
}

void PyroscopePusher::wait_backoff(std::chrono::milliseconds delay) {
  std::unique_lock lock(mu_);
  wake_.wait_for(lock, delay, [this] { return stopping_ || abort_.load(); });
}

void PyroscopePusher::send(IngestRequest& request) {
  otlp::Backoff backoff(config_.retry_initial_backoff, config_.retry_max_backoff, std::random_device{}());
  for (int attempt = 1;; ++attempt) {
    otlp::PostResult r = poster_->post(request.url, request.body, request.headers, config_.timeout, &abort_);
    bool retryable;
    bool refused = false;  // the server answered no: counted apart from failures to deliver
    std::string error;
    if (r.transport_error) {
      retryable = r.transport_retryable;
      error = "transport: " + printable(r.error);
    } else {
      otlp::ExportOutcome outcome = otlp::classify_http_status(r.http_status);
      if (outcome == otlp::ExportOutcome::kOk) {
        std::lock_guard lock(mu_);
        stats_.sent++;
        return;
      }
      retryable = outcome == otlp::ExportOutcome::kRetryable;
      refused = !retryable;
      error = "HTTP " + std::to_string(r.http_status) + ": " + printable(r.body);
    }
    bool stopping;
    {
      std::lock_guard lock(mu_);
      stats_.last_error = error;
      stopping = stopping_;
      if (refused) {
        stats_.rejected++;
        return;
      }
      if (!retryable || attempt >= config_.max_attempts || stopping || abort_) {
        stats_.failed++;
        return;
      }
      stats_.retries++;
    }
    std::chrono::milliseconds delay = backoff.next();
    if (r.retry_after) delay = std::chrono::duration_cast<std::chrono::milliseconds>(std::min<std::chrono::seconds>(*r.retry_after, kMaxRetryAfter));
    wait_backoff(delay);
  }
}

void PyroscopePusher::run() {
  for (;;) {
    IngestRequest request;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() || abort_) return;
      request = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
    }
    send(request);
    std::lock_guard lock(mu_);
    busy_ = false;
  }
}

bool PyroscopePusher::shutdown(std::chrono::milliseconds deadline) {
  if (!worker_.joinable()) return true;
  auto until = Clock::now() + deadline;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (queue_.empty() && !busy_) break;
    }
    if (Clock::now() >= until) {
      abort_ = true;  // ends the transfer in progress and any retry wait
      wake_.notify_all();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  worker_.join();
  std::lock_guard lock(mu_);
  bool clean = queue_.empty();
  stats_.dropped_shutdown += queue_.size();
  queue_.clear();
  return clean && !abort_;
}

PushStats PyroscopePusher::stats() const {
  std::lock_guard lock(mu_);
  PushStats s = stats_;
  s.queue_depth = queue_.size();
  return s;
}

}  // namespace agentprof::pyroscope
