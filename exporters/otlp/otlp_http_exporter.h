// OTLP/HTTP protobuf exporter: a SpanSink whose on_span() only copies the span into a bounded
// queue; one background thread batches (by size and by time), encodes, optionally gzips and POSTs
// to /v1/traces, retrying only what may succeed later. Metric snapshots go to /v1/metrics the
// same way, keeping just the newest one pending. Every span is accounted for in stats():
// exported, rejected by the receiver, dropped because the queue was full, or failed for good.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "exporters/otlp/curl_poster.h"
#include "exporters/otlp/otlp_config.h"
#include "exporters/otlp/otlp_resource_info.h"
#include "metrics/metric_snapshot.h"
#include "trace/span_sink.h"

namespace agentprof::otlp {

struct OtlpExporterStats {
  uint64_t spans_enqueued = 0;
  uint64_t spans_exported = 0;             // accepted by the receiver
  uint64_t spans_dropped_queue_full = 0;   // never queued: max_queue_spans or max_queue_bytes reached
  uint64_t spans_invalid = 0;              // never queued: all-zero trace or span id (OTLP-invalid)
  uint64_t spans_dropped_shutdown = 0;     // queued or offered after shutdown, never sent
  uint64_t spans_rejected = 0;             // non-retryable answer or partial_success.rejected_spans
  uint64_t spans_failed = 0;               // retries exhausted (collector away past max elapsed)
  uint64_t metric_snapshots_enqueued = 0;
  uint64_t metric_snapshots_replaced = 0;  // a newer one arrived before it was sent
  uint64_t metric_points_exported = 0;
  uint64_t metric_points_rejected = 0;     // receiver's partial success or a rejected request
  uint64_t metric_points_invalid = 0;      // not encodable (see otlp_metrics_encoder.h)
  uint64_t metric_points_failed = 0;
  uint64_t requests_ok = 0;                // 2xx answers
  uint64_t requests_failed = 0;            // attempts that did not get a 2xx
  uint64_t requests_rejected = 0;          // answers that are never retried (400, 401, 413...)
  uint64_t retries = 0;
  uint64_t bytes_sent = 0;                 // request bodies on the wire (after gzip)
  uint64_t queue_depth = 0;                // spans waiting now
  uint64_t queue_bytes = 0;                // their estimated encoded size
  uint64_t worker_cpu_ns = 0;              // CPU time of the background thread
  std::string last_error;                  // never contains header values
};

class OtlpHttpExporter : public SpanSink {
 public:
  // The config should be valid (OtlpExporterConfig::validate()). An invalid one never crashes or
  // spins: zero sizes and timeouts are raised to 1, a bad URL fails each request with last_error.
  explicit OtlpHttpExporter(OtlpExporterConfig config);
  ~OtlpHttpExporter() override;  // shutdown(config.timeout) if not done yet
  OtlpHttpExporter(const OtlpHttpExporter&) = delete;
  OtlpHttpExporter& operator=(const OtlpHttpExporter&) = delete;

  // Never blocks on I/O: copies the span into the queue, or drops and counts it when full.
  void on_span(const Span& span) override;
  // Queues a copy of the snapshot; replaces (and counts) a pending one not yet sent. Ignored after
  // shutdown(): metrics are cumulative, the next run starts its own series.
  void export_metrics(const MetricsSnapshot& snapshot);

  // Sends everything queued now; true if the queue drained within `timeout`.
  bool flush(std::chrono::milliseconds timeout);
  // Stops accepting, sends what is queued (retrying within `timeout`), then stops the thread.
  // Whatever could not be sent in time is counted in spans_dropped_shutdown. True if the queue was
  // fully processed before the deadline (each span exported, rejected or failed: see stats()).
  bool shutdown(std::chrono::milliseconds timeout);

  OtlpExporterStats stats() const;
  const OtlpExporterConfig& config() const { return config_; }

 private:
  enum class Signal { kTraces, kMetrics };

  void run();
  struct QueuedSpan {
    Span span;
    size_t bytes = 0;  // approx_encoded_size(span)
  };
  // Sends the batch as one request, or several when it exceeds max_request_bytes.
  void export_span_batch(const std::vector<QueuedSpan>& batch);
  void export_span_request(const std::vector<QueuedSpan>& batch, size_t begin, size_t end);
  void export_metrics_snapshot(const MetricsSnapshot& snapshot);
  // POSTs `body` with retries. Returns the 2xx response body, or nullopt when given up
  // (`rejected` tells a non-retryable answer from exhausted retries / shutdown).
  std::optional<std::string> send(Signal signal, const std::string& body, bool& rejected);
  // Waits `delay` unless shutdown's deadline passes first; false if aborted.
  bool sleep_for_retry(std::chrono::milliseconds delay);
  void set_last_error(std::string message);
  void note_worker_cpu();

  const OtlpExporterConfig config_;
  const ResourceInfo resource_;
  const std::string traces_url_;
  const std::string metrics_url_;
  std::vector<std::string> header_lines_;  // built once; hold credentials, never logged

  mutable std::mutex mu_;
  std::condition_variable work_cv_;  // worker waits for spans/metrics/flush/stop
  std::condition_variable idle_cv_;  // flush()/shutdown() wait for the worker to drain
  std::deque<QueuedSpan> queue_;
  size_t queue_bytes_ = 0;
  std::chrono::steady_clock::time_point oldest_enqueued_{};
  std::optional<MetricsSnapshot> pending_metrics_;
  bool in_flight_ = false;
  bool flush_requested_ = false;
  bool accepting_ = true;
  bool stopping_ = false;
  bool worker_done_ = false;
  std::atomic<bool> abort_{false};  // shutdown deadline passed: stop retrying, abort transfers
  std::unique_ptr<CurlPoster> poster_;  // used by the worker thread only
  std::atomic<size_t> queue_depth_{0};  // lets on_span drop without copying when full
  std::atomic<size_t> queue_bytes_published_{0};
  std::thread worker_;

  // Counters: written by one side, read by stats() at any time.
  std::atomic<uint64_t> spans_enqueued_{0}, spans_exported_{0}, spans_dropped_queue_full_{0}, spans_invalid_{0},
      spans_dropped_shutdown_{0}, spans_rejected_{0}, spans_failed_{0}, metric_snapshots_enqueued_{0},
      metric_snapshots_replaced_{0}, metric_points_exported_{0}, metric_points_rejected_{0},
      metric_points_invalid_{0}, metric_points_failed_{0}, requests_ok_{0}, requests_failed_{0},
      requests_rejected_{0}, retries_{0}, bytes_sent_{0}, worker_cpu_ns_{0};
  mutable std::mutex error_mu_;
  std::string last_error_;
};

}  // namespace agentprof::otlp
