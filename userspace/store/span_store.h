// SpanStore: every span into the embedded SQLite store (schema: store_schema.h), for hosts with no
// other backend. on_span only copies the span into a bounded queue (a full queue drops the span and
// counts it); a background thread writes batches in single transactions (WAL mode), every
// flush_interval or batch_size spans, and applies retention (age, then size: oldest first) every
// retention_interval. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "trace/span_sink.h"

namespace agentprof {

struct SpanStoreOptions {
  std::string path;
  uint64_t max_age_s = 7 * 24 * 3600;  // spans older than this (by start) are deleted; 0 = keep
  uint64_t max_bytes = 1ull << 30;     // database size bound (pages in use); 0 = unbounded
  size_t max_queue = 100000;           // spans waiting for the writer; beyond: dropped and counted
  size_t batch_size = 4096;            // the writer wakes up early once this many wait
  std::chrono::milliseconds flush_interval{250};
  std::chrono::milliseconds retention_interval{60000};
  std::function<uint64_t()> now_unix_ns;  // clock for age retention; default system clock
};

struct SpanStoreStats {
  uint64_t written = 0;            // spans committed to the database
  uint64_t dropped_queue_full = 0;
  uint64_t write_errors = 0;       // spans that failed to insert or commit
  uint64_t deleted_by_age = 0;
  uint64_t deleted_by_size = 0;
  uint64_t retention_errors = 0;
  size_t queue_depth = 0;
};

class SpanStore : public SpanSink {
 public:
  // Opens or creates the store; nullptr with *error ("cannot open store PATH: ...", "store schema
  // version 2 is not the supported version 1 ...") when it cannot be used.
  static std::unique_ptr<SpanStore> open(SpanStoreOptions options, std::string* error);
  ~SpanStore() override;  // writes what is queued, then stops the writer
  SpanStore(const SpanStore&) = delete;
  SpanStore& operator=(const SpanStore&) = delete;

  void on_span(const Span& span) override;

  // Blocks until every span queued before the call is written (or failed: see write_errors).
  void flush();
  // Applies retention now, after writing what is queued; blocks until done.
  void enforce_retention();

  SpanStoreStats stats() const;
  const std::string& path() const { return options_.path; }

  // Last database error text, for logs ("" when none).
  std::string last_error() const;

 private:
  struct Writer;
  explicit SpanStore(SpanStoreOptions options);
  void run();
  void write_batch(std::vector<Span>& batch);
  void apply_retention();

  SpanStoreOptions options_;
  std::unique_ptr<Writer> writer_;  // the database connection, used by the writer thread only

  mutable std::mutex mu_;
  std::condition_variable wake_;      // writer: work or stop
  std::condition_variable progress_;  // flush/enforce_retention waiters
  std::vector<Span> queue_;
  uint64_t enqueued_ = 0, processed_ = 0;  // spans accepted into / taken out of the queue and done
  uint64_t retention_requested_ = 0, retention_done_ = 0;
  bool flush_requested_ = false;
  bool stop_ = false;
  SpanStoreStats stats_;
  std::string last_error_;
  std::thread thread_;
};

}  // namespace agentprof
