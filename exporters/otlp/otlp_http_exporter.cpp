#include "exporters/otlp/otlp_http_exporter.h"

#include <time.h>

#include <algorithm>
#include <random>

#include <google/protobuf/arena.h>

#include "exporters/otlp/gzip_compress.h"
#include "exporters/otlp/otlp_metrics_encoder.h"
#include "exporters/otlp/otlp_span_encoder.h"
#include "exporters/otlp/retry_policy.h"

namespace agentprof::otlp {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A receiver's error_message is untrusted text: keep it printable and short.
std::string printable(std::string_view text, size_t max_len = 200) {
  std::string out;
  for (char c : text) {
    if (out.size() >= max_len) {
      out += "...";
      break;
    }
    out.push_back((c >= 0x20 && c < 0x7f) ? c : '?');
  }
  return out;
}

// Values that would make the worker spin (batch of 0) or wait forever (curl's timeout 0).
OtlpExporterConfig without_zeros(OtlpExporterConfig c) {
  c.max_batch_spans = std::max<size_t>(c.max_batch_spans, 1);
  c.max_request_bytes = std::max<size_t>(c.max_request_bytes, 1);
  c.timeout = std::max(c.timeout, milliseconds(1));
  c.batch_delay = std::max(c.batch_delay, milliseconds(0));
  c.retry_initial_backoff = std::max(c.retry_initial_backoff, milliseconds(1));
  c.retry_max_backoff = std::max(c.retry_max_backoff, c.retry_initial_backoff);
  return c;
}

}  // namespace

OtlpHttpExporter::OtlpHttpExporter(OtlpExporterConfig config)
    : config_(without_zeros(std::move(config))),
      resource_(ResourceInfo::make(config_.service_name, config_.resource_attributes)),
      traces_url_(config_.traces_url()),
      metrics_url_(config_.metrics_url()),
      poster_(std::make_unique<CurlPoster>()) {
  header_lines_.push_back("Content-Type: application/x-protobuf");
  header_lines_.push_back("User-Agent: agentprof/" + std::string(scope_version()));
  for (const auto& [k, v] : config_.headers) header_lines_.push_back(k + ": " + v);
  if (std::string problem = config_.validate(); !problem.empty()) set_last_error("invalid config: " + problem);
  worker_ = std::thread([this] { run(); });
}

OtlpHttpExporter::~OtlpHttpExporter() {
  if (worker_.joinable()) shutdown(config_.timeout);
}

void OtlpHttpExporter::on_span(const Span& span) {
  // OTLP receivers may refuse a whole request for one all-zero id; such a span is a bug upstream.
  if (is_zero_id(span.trace_id) || is_zero_id(span.span_id)) {
    spans_invalid_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // Cheap early drop: no copy, no lock contention while the collector is away.
  if (queue_depth_.load(std::memory_order_relaxed) >= config_.max_queue_spans) {
    spans_dropped_queue_full_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  QueuedSpan item{span, approx_encoded_size(span)};  // copied outside the lock
  size_t depth = 0;
  {
    std::lock_guard lk(mu_);
    if (!accepting_) {
      spans_dropped_shutdown_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (queue_.size() >= config_.max_queue_spans || queue_bytes_ + item.bytes > config_.max_queue_bytes) {
      spans_dropped_queue_full_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (queue_.empty()) oldest_enqueued_ = Clock::now();
    queue_bytes_ += item.bytes;
    queue_.push_back(std::move(item));
    depth = queue_.size();
    queue_depth_.store(depth, std::memory_order_relaxed);
    queue_bytes_published_.store(queue_bytes_, std::memory_order_relaxed);
  }
  spans_enqueued_.fetch_add(1, std::memory_order_relaxed);
  // Wake the worker only when it has something new to decide: a batch timer to start, a full batch.
  if (depth == 1 || depth == config_.max_batch_spans) work_cv_.notify_one();
}

void OtlpHttpExporter::export_metrics(const MetricsSnapshot& snapshot) {
  MetricsSnapshot copy = snapshot;
  {
    std::lock_guard lk(mu_);
    if (!accepting_) return;
    if (pending_metrics_) metric_snapshots_replaced_.fetch_add(1, std::memory_order_relaxed);
    pending_metrics_ = std::move(copy);
  }
  metric_snapshots_enqueued_.fetch_add(1, std::memory_order_relaxed);
  work_cv_.notify_one();
}

bool OtlpHttpExporter::flush(milliseconds timeout) {
  std::unique_lock lk(mu_);
  if (worker_done_) return queue_.empty() && !pending_metrics_;
  flush_requested_ = true;
  work_cv_.notify_one();
  auto drained = [this] { return queue_.empty() && !pending_metrics_ && !in_flight_; };
  idle_cv_.wait_for(lk, timeout, [&] { return worker_done_ || drained(); });
  return drained();
}

bool OtlpHttpExporter::shutdown(milliseconds timeout) {
  bool finished_in_time = true;
  {
    std::unique_lock lk(mu_);
    if (!worker_.joinable()) return queue_.empty();
    accepting_ = false;
    stopping_ = true;
    work_cv_.notify_all();
    finished_in_time = idle_cv_.wait_for(lk, timeout, [this] { return worker_done_; });
    if (!finished_in_time) {
      abort_.store(true);  // ends retry waits and the transfer in progress
      work_cv_.notify_all();
    }
  }
  worker_.join();
  return finished_in_time;
}

void OtlpHttpExporter::run() {
  std::unique_lock lk(mu_);
  while (!abort_.load()) {
    const auto batch_due = oldest_enqueued_ + config_.batch_delay;
    const bool spans_due = !queue_.empty() && (stopping_ || flush_requested_ ||
                                               queue_.size() >= config_.max_batch_spans || Clock::now() >= batch_due);
    if (!spans_due && !pending_metrics_) {
      if (stopping_ && queue_.empty()) break;
      if (queue_.empty()) {
        work_cv_.wait(lk);
      } else {
        work_cv_.wait_until(lk, batch_due);
      }
      continue;
    }
    std::optional<MetricsSnapshot> metrics;
    metrics.swap(pending_metrics_);
    std::vector<QueuedSpan> batch;
    if (spans_due) {
      size_t n = std::min(queue_.size(), config_.max_batch_spans);
      batch.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        queue_bytes_ -= queue_.front().bytes;
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      queue_depth_.store(queue_.size(), std::memory_order_relaxed);
      queue_bytes_published_.store(queue_bytes_, std::memory_order_relaxed);
      // The rest restart the batch timer: they wait at most one more batch_delay.
      if (!queue_.empty()) oldest_enqueued_ = Clock::now();
    }
    in_flight_ = true;
    lk.unlock();
    if (metrics) export_metrics_snapshot(*metrics);
    if (!batch.empty()) export_span_batch(batch);
    note_worker_cpu();
    lk.lock();
    in_flight_ = false;
    if (queue_.empty() && !pending_metrics_) flush_requested_ = false;
    idle_cv_.notify_all();
  }
  // Only an aborted shutdown leaves spans behind; they are counted, not silently lost.
  spans_dropped_shutdown_.fetch_add(queue_.size(), std::memory_order_relaxed);
  queue_.clear();
  queue_bytes_ = 0;
  queue_depth_.store(0, std::memory_order_relaxed);
  queue_bytes_published_.store(0, std::memory_order_relaxed);
  pending_metrics_.reset();
  worker_done_ = true;
  idle_cv_.notify_all();
}

void OtlpHttpExporter::export_span_batch(const std::vector<QueuedSpan>& batch) {
  size_t begin = 0;
  size_t request_bytes = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    // A span alone over the cap still goes alone: the receiver decides, and we count its answer.
    if (i > begin && request_bytes + batch[i].bytes > config_.max_request_bytes) {
      export_span_request(batch, begin, i);
      begin = i;
      request_bytes = 0;
    }
    request_bytes += batch[i].bytes;
  }
  if (begin < batch.size()) export_span_request(batch, begin, batch.size());
}

void OtlpHttpExporter::export_span_request(const std::vector<QueuedSpan>& batch, size_t begin, size_t end) {
  std::string payload;
  {
    // One arena per request: thousands of small attribute messages freed at once.
    google::protobuf::Arena arena;
    auto* request =
        google::protobuf::Arena::CreateMessage<opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest>(
            &arena);
    auto* rs = request->add_resource_spans();
    resource_.fill(rs->mutable_resource());
    auto* ss = rs->add_scope_spans();
    fill_scope(ss->mutable_scope());
    ss->mutable_spans()->Reserve(int(end - begin));
    for (size_t i = begin; i < end; ++i) encode_span(batch[i].span, ss->add_spans());
    request->SerializeToString(&payload);
  }
  const uint64_t n = end - begin;
  bool rejected = false;
  std::optional<std::string> response = send(Signal::kTraces, payload, rejected);
  if (!response) {
    if (rejected) {
      spans_rejected_.fetch_add(n, std::memory_order_relaxed);
    } else if (abort_.load()) {
      spans_dropped_shutdown_.fetch_add(n, std::memory_order_relaxed);
    } else {
      spans_failed_.fetch_add(n, std::memory_order_relaxed);
    }
    return;
  }
  uint64_t refused = 0;
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse answer;
  if (!response->empty() && answer.ParseFromString(*response) && answer.has_partial_success()) {
    const auto& partial = answer.partial_success();
    // Clamped: a receiver cannot refuse more spans than we sent, nor a negative number.
    refused = uint64_t(std::clamp<int64_t>(partial.rejected_spans(), 0, int64_t(n)));
    if (refused > 0 || !partial.error_message().empty())
      set_last_error("partial success: " + std::to_string(partial.rejected_spans()) +
                     " spans rejected: " + printable(partial.error_message()));
  }
  spans_rejected_.fetch_add(refused, std::memory_order_relaxed);
  spans_exported_.fetch_add(n - refused, std::memory_order_relaxed);
}

void OtlpHttpExporter::export_metrics_snapshot(const MetricsSnapshot& snapshot) {
  opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest request;
  MetricsEncodeResult encoded = encode_metrics(snapshot, resource_, &request);
  metric_points_invalid_.fetch_add(encoded.invalid_points, std::memory_order_relaxed);
  if (encoded.invalid_points > 0) set_last_error("metric points left out: " + encoded.first_problem);
  if (encoded.data_points == 0) return;
  std::string payload;
  request.SerializeToString(&payload);
  const uint64_t n = encoded.data_points;
  bool rejected = false;
  std::optional<std::string> response = send(Signal::kMetrics, payload, rejected);
  if (!response) {
    (rejected ? metric_points_rejected_ : metric_points_failed_).fetch_add(n, std::memory_order_relaxed);
    return;
  }
  uint64_t refused = 0;
  opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse answer;
  if (!response->empty() && answer.ParseFromString(*response) && answer.has_partial_success()) {
    const auto& partial = answer.partial_success();
    refused = uint64_t(std::clamp<int64_t>(partial.rejected_data_points(), 0, int64_t(n)));
    if (refused > 0 || !partial.error_message().empty())
      set_last_error("partial success: " + std::to_string(partial.rejected_data_points()) +
                     " data points rejected: " + printable(partial.error_message()));
  }
  metric_points_rejected_.fetch_add(refused, std::memory_order_relaxed);
  metric_points_exported_.fetch_add(n - refused, std::memory_order_relaxed);
}

std::optional<std::string> OtlpHttpExporter::send(Signal signal, const std::string& payload, bool& rejected) {
  rejected = false;
  const std::string& url = signal == Signal::kTraces ? traces_url_ : metrics_url_;
  std::vector<std::string> headers = header_lines_;
  const std::string* body = &payload;
  std::optional<std::string> compressed;
  if (config_.gzip) {
    compressed = gzip_compress(payload);
    if (compressed) {
      body = &*compressed;
      headers.push_back("Content-Encoding: gzip");
    }
  }
  static thread_local std::mt19937_64 seeder{std::random_device{}()};
  Backoff backoff(config_.retry_initial_backoff, config_.retry_max_backoff, seeder());
  const auto started = Clock::now();
  while (true) {
    if (abort_.load()) return std::nullopt;
    PostResult r = poster_->post(url, *body, headers, config_.timeout, &abort_);
    if (abort_.load()) return std::nullopt;
    bytes_sent_.fetch_add(body->size(), std::memory_order_relaxed);
    ExportOutcome outcome = r.transport_error
                                ? (r.transport_retryable ? ExportOutcome::kRetryable : ExportOutcome::kRejected)
                                : classify_http_status(r.http_status);
    if (outcome == ExportOutcome::kOk) {
      requests_ok_.fetch_add(1, std::memory_order_relaxed);
      return std::move(r.body);
    }
    requests_failed_.fetch_add(1, std::memory_order_relaxed);
    std::string what = r.transport_error ? "cannot send to " + url_for_display(url) + ": " + r.error
                                         : "HTTP " + std::to_string(r.http_status) + " from " + url_for_display(url);
    if (outcome == ExportOutcome::kRejected) {
      rejected = !r.transport_error;
      if (rejected) requests_rejected_.fetch_add(1, std::memory_order_relaxed);
      set_last_error(what + (rejected ? " (not retried)" : ""));
      return std::nullopt;
    }
    milliseconds delay = r.retry_after ? std::chrono::duration_cast<milliseconds>(*r.retry_after) : backoff.next();
    if (Clock::now() - started + delay > config_.retry_max_elapsed) {
      set_last_error(what + "; gave up after " + std::to_string(backoff.attempts() + 1) + " attempts");
      return std::nullopt;
    }
    set_last_error(what + "; retrying in " + std::to_string(delay.count()) + " ms");
    retries_.fetch_add(1, std::memory_order_relaxed);
    if (!sleep_for_retry(delay)) return std::nullopt;
  }
}

bool OtlpHttpExporter::sleep_for_retry(milliseconds delay) {
  std::unique_lock lk(mu_);
  return !work_cv_.wait_for(lk, delay, [this] { return abort_.load(); });
}

void OtlpHttpExporter::set_last_error(std::string message) {
  std::lock_guard lk(error_mu_);
  last_error_ = std::move(message);
}

void OtlpHttpExporter::note_worker_cpu() {
  timespec ts{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
    worker_cpu_ns_.store(uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec), std::memory_order_relaxed);
}

OtlpExporterStats OtlpHttpExporter::stats() const {
  OtlpExporterStats s;
  s.spans_enqueued = spans_enqueued_.load();
  s.spans_exported = spans_exported_.load();
  s.spans_dropped_queue_full = spans_dropped_queue_full_.load();
  s.spans_invalid = spans_invalid_.load();
  s.spans_dropped_shutdown = spans_dropped_shutdown_.load();
  s.spans_rejected = spans_rejected_.load();
  s.spans_failed = spans_failed_.load();
  s.metric_snapshots_enqueued = metric_snapshots_enqueued_.load();
  s.metric_snapshots_replaced = metric_snapshots_replaced_.load();
  s.metric_points_exported = metric_points_exported_.load();
  s.metric_points_rejected = metric_points_rejected_.load();
  s.metric_points_invalid = metric_points_invalid_.load();
  s.metric_points_failed = metric_points_failed_.load();
  s.requests_ok = requests_ok_.load();
  s.requests_failed = requests_failed_.load();
  s.requests_rejected = requests_rejected_.load();
  s.retries = retries_.load();
  s.bytes_sent = bytes_sent_.load();
  s.queue_depth = queue_depth_.load();
  s.queue_bytes = queue_bytes_published_.load();
  s.worker_cpu_ns = worker_cpu_ns_.load();
  {
    std::lock_guard lk(error_mu_);
    s.last_error = last_error_;
  }
  return s;
}

}  // namespace agentprof::otlp
