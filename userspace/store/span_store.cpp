#include "store/span_store.h"

#include <algorithm>
#include <utility>

#include "exporters/jsonl/jsonl_writer.h"
#include "store/span_columns.h"
#include "store/sqlite_handle.h"
#include "store/store_schema.h"

namespace agentprof {

namespace {

uint64_t system_now_ns() {
  return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count());
}

// Size retention deletes this fraction of the rows (oldest first) per round, then measures again.
constexpr int64_t kSizeRetentionDivisor = 10;

}  // namespace

struct SpanStore::Writer {
  SqliteDb db;
  SqliteStatement insert;
};

SpanStore::SpanStore(SpanStoreOptions options) : options_(std::move(options)), writer_(std::make_unique<Writer>()) {
  if (!options_.now_unix_ns) options_.now_unix_ns = system_now_ns;
  options_.max_queue = std::max<size_t>(options_.max_queue, 1);
  options_.batch_size = std::max<size_t>(options_.batch_size, 1);
}

std::unique_ptr<SpanStore> SpanStore::open(SpanStoreOptions options, std::string* error) {
  std::unique_ptr<SpanStore> store(new SpanStore(std::move(options)));
  Writer& w = *store->writer_;
  std::string why;
  if (!w.db.open(store->options_.path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, error)) return nullptr;
  if (!prepare_store_schema(w.db, true, &why)) {
    if (error) *error = store->options_.path + ": " + why;
    return nullptr;
  }
  if (!w.insert.prepare(w.db, kInsertSpanSql, &why)) {
    if (error) *error = store->options_.path + ": cannot prepare insert: " + why;
    return nullptr;
  }
  store->thread_ = std::thread([s = store.get()] { s->run(); });
  return store;
}

SpanStore::~SpanStore() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SpanStore::on_span(const Span& span) {
  Span copy = span;  // copied outside the lock: the writer thread and other producers never wait on it
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= options_.max_queue) {
      ++stats_.dropped_queue_full;
      return;
    }
    queue_.push_back(std::move(copy));
    ++enqueued_;
    wake = queue_.size() == options_.batch_size;
  }
  if (wake) wake_.notify_one();
}

void SpanStore::flush() {
  std::unique_lock lock(mu_);
  uint64_t target = enqueued_;
  flush_requested_ = true;
  wake_.notify_one();
  progress_.wait(lock, [&] { return processed_ >= target; });
}

void SpanStore::enforce_retention() {
  std::unique_lock lock(mu_);
  uint64_t ticket = ++retention_requested_;
  wake_.notify_one();
  progress_.wait(lock, [&] { return retention_done_ >= ticket; });
}

SpanStoreStats SpanStore::stats() const {
  std::lock_guard lock(mu_);
  SpanStoreStats s = stats_;
  s.queue_depth = queue_.size();
  return s;
}

std::string SpanStore::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

void SpanStore::run() {
  auto next_retention = std::chrono::steady_clock::now();  // once at start: a reopened store may be stale
  std::vector<Span> batch;
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait_until(lock, std::min(next_retention, std::chrono::steady_clock::now() + options_.flush_interval),
                     [&] {
                       return stop_ || flush_requested_ || queue_.size() >= options_.batch_size ||
                              retention_requested_ > retention_done_;
                     });
    batch.swap(queue_);
    flush_requested_ = false;
    uint64_t retention_ticket = retention_requested_;
    bool stopping = stop_;
    lock.unlock();

    if (!batch.empty()) write_batch(batch);
    bool retention_due = std::chrono::steady_clock::now() >= next_retention;
    if (retention_due || retention_ticket > retention_done_) {
      apply_retention();
      next_retention = std::chrono::steady_clock::now() + options_.retention_interval;
    }

    lock.lock();
    processed_ += batch.size();
    batch.clear();
    retention_done_ = std::max(retention_done_, retention_ticket);
    progress_.notify_all();
    if (stopping && queue_.empty()) break;
  }
}

void SpanStore::write_batch(std::vector<Span>& batch) {
  Writer& w = *writer_;
  std::string error;
  uint64_t failed = 0;
  if (!w.db.exec("BEGIN", &error)) {
    std::lock_guard lock(mu_);
    stats_.write_errors += batch.size();
    last_error_ = "begin: " + error;
    return;
  }
  for (const Span& span : batch) {
    SpanColumns c = span_columns(span);
    std::string json = JsonlWriter::to_json(span);
    SqliteStatement& s = w.insert;
    s.bind_int(1, int64_t(std::min<uint64_t>(span.start_unix_ns, INT64_MAX)));
    s.bind_int(2, int64_t(std::min<uint64_t>(span.end_unix_ns, INT64_MAX)));
    s.bind_text(3, to_hex(span.trace_id));
    s.bind_text(4, to_hex(span.span_id));
    s.bind_optional_text(5, c.operation);
    s.bind_optional_text(6, c.provider);
    s.bind_optional_text(7, c.model);
    s.bind_optional_text(8, c.process);
    s.bind_optional_int(9, c.pid);
    s.bind_int(10, span.error ? 1 : 0);
    s.bind_optional_text(11, c.error_type);
    s.bind_optional_int(12, c.input_tokens);
    s.bind_optional_int(13, c.output_tokens);
    s.bind_optional_double(14, c.cost_usd);
    s.bind_optional_double(15, c.duration_s);
    s.bind_optional_double(16, c.ttft_s);
    s.bind_text(17, json);
    if (s.step() != SQLITE_DONE) {
      ++failed;
      error = w.db.last_error();
    }
    s.reset();
  }
  std::string commit_error;
  bool committed = w.db.exec("COMMIT", &commit_error);
  if (!committed) w.db.exec("ROLLBACK", nullptr);
  std::lock_guard lock(mu_);
  if (committed) {
    stats_.written += batch.size() - failed;
    stats_.write_errors += failed;
    if (failed) last_error_ = "insert: " + error;
  } else {
    stats_.write_errors += batch.size();
    last_error_ = "commit: " + commit_error;
  }
}

void SpanStore::apply_retention() {
  Writer& w = *writer_;
  std::string error;
  uint64_t by_age = 0, by_size = 0;
  bool ok = true;
  if (options_.max_age_s > 0) {
    uint64_t now = options_.now_unix_ns();
    uint64_t age_ns = options_.max_age_s * 1'000'000'000ull;
    if (now > age_ns) {
      SqliteStatement del;
      ok = del.prepare(w.db, "DELETE FROM spans WHERE start_ns < ?1", &error);
      if (ok) {
        del.bind_int(1, int64_t(std::min<uint64_t>(now - age_ns, INT64_MAX)));
        ok = del.step() == SQLITE_DONE;
        if (ok) by_age = uint64_t(sqlite3_changes(w.db.get()));
        else error = w.db.last_error();
      }
    }
  }
  if (ok && options_.max_bytes > 0) {
    for (;;) {
      auto pages = w.db.query_int("PRAGMA page_count", &error);
      auto free_pages = w.db.query_int("PRAGMA freelist_count", &error);
      auto page_size = w.db.query_int("PRAGMA page_size", &error);
      auto rows = w.db.query_int("SELECT count(*) FROM spans", &error);
      if (!pages || !free_pages || !page_size || !rows) {
        ok = false;
        break;
      }
      uint64_t used = uint64_t(*pages - *free_pages) * uint64_t(*page_size);
      if (used <= options_.max_bytes || *rows == 0) break;
      SqliteStatement del;
      ok = del.prepare(w.db,
                       "DELETE FROM spans WHERE id IN (SELECT id FROM spans ORDER BY start_ns LIMIT ?1)",
                       &error);
      if (!ok) break;
      del.bind_int(1, std::max<int64_t>(1, *rows / kSizeRetentionDivisor));
      if (del.step() != SQLITE_DONE) {
        ok = false;
        error = w.db.last_error();
        break;
      }
      by_size += uint64_t(sqlite3_changes(w.db.get()));
    }
  }
  if (ok && by_age + by_size > 0) {
    // Return freed pages to the file system so the file shrinks, not only the content.
    ok = w.db.exec("PRAGMA incremental_vacuum", &error) &&
         w.db.exec("PRAGMA wal_checkpoint(TRUNCATE)", &error);
  }
  std::lock_guard lock(mu_);
  stats_.deleted_by_age += by_age;
  stats_.deleted_by_size += by_size;
  if (!ok) {
    ++stats_.retention_errors;
    last_error_ = "retention: " + error;
  }
}

}  // namespace agentprof
