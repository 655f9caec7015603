#include "store/span_store.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "store/sqlite_handle.h"
#include "store/store_query.h"
#include "store_test_support.h"

using namespace agentprof;
using agentprof::test::TempStorePath;
using agentprof::test::varied_span;
using agentprof::test::store_options;

namespace {

std::vector<Span> read_all(const std::string& path) {
  std::string error;
  auto q = StoreQuery::open(path, &error);
  INFO(error);
  REQUIRE(q);
  std::vector<Span> spans;
  REQUIRE(q->spans_since(0, spans, &error));
  CHECK(q->unreadable_rows() == 0);
  return spans;
}

SpanStoreOptions quiet_options(const std::string& path) {
  SpanStoreOptions o = store_options(path);
  o.batch_size = 1'000'000;  // the writer only works when asked (flush/enforce_retention)
  o.flush_interval = std::chrono::hours(1);
  o.retention_interval = std::chrono::hours(1);
  return o;
}

}  // namespace

TEST_CASE("spans round-trip through the store exactly, in start order") {
  TempStorePath tmp;
  std::string error;
  auto store = SpanStore::open(store_options(tmp.path), &error);
  INFO(error);
  REQUIRE(store);
  std::vector<Span> in;
  for (int i = 0; i < 50; ++i) in.push_back(varied_span(i));
  for (int i = 49; i >= 0; --i) store->on_span(in[size_t(i)]);  // reverse: the query sorts by start
  store->flush();
  CHECK(store->stats().written == 50);
  CHECK(store->stats().queue_depth == 0);
  std::vector<Span> out = read_all(tmp.path);
  REQUIRE(out.size() == in.size());
  for (size_t i = 0; i < in.size(); ++i) CHECK(out[i] == in[i]);
}

TEST_CASE("spans survive closing and reopening the store") {
  TempStorePath tmp;
  std::string error;
  {
    auto store = SpanStore::open(store_options(tmp.path), &error);
    REQUIRE(store);
    for (int i = 0; i < 10; ++i) store->on_span(varied_span(i));
  }  // destructor writes what is queued
  {
    auto store = SpanStore::open(store_options(tmp.path), &error);
    INFO(error);
    REQUIRE(store);
    for (int i = 10; i < 15; ++i) store->on_span(varied_span(i));
    store->flush();
  }
  std::vector<Span> out = read_all(tmp.path);
  REQUIRE(out.size() == 15);
  CHECK(out[14] == varied_span(14));
}

TEST_CASE("several producer threads: every span is written once") {
  TempStorePath tmp;
  SpanStoreOptions o = store_options(tmp.path);
  o.batch_size = 64;  // many small transactions while producers keep adding
  std::string error;
  auto store = SpanStore::open(o, &error);
  REQUIRE(store);
  std::vector<std::thread> producers;
  for (int t = 0; t < 4; ++t)
    producers.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) store->on_span(varied_span(t * 500 + i));
    });
  for (auto& p : producers) p.join();
  store->flush();
  CHECK(store->stats().written == 2000);
  std::vector<Span> out = read_all(tmp.path);
  REQUIRE(out.size() == 2000);
  for (size_t i = 0; i < out.size(); ++i) CHECK(out[i].start_unix_ns == varied_span(int(i)).start_unix_ns);
}

TEST_CASE("indexed columns hold the report's definitions, NULL when unknown") {
  TempStorePath tmp;
  std::string error;
  auto store = SpanStore::open(store_options(tmp.path), &error);
  REQUIRE(store);
  Span known = varied_span(0);
  Span unknown = varied_span(4 * 3 * 13 - 1);  // i=155: no input tokens, unpriced, no output? see below
  unknown.attributes.push_back({"gen_ai.response.model", std::string("resp-model")});
  store->on_span(known);
  store->on_span(unknown);
  store->flush();
  SqliteDb db;
  REQUIRE(db.open(tmp.path, SQLITE_OPEN_READONLY, &error));
  SqliteStatement q;
  REQUIRE(q.prepare(db,
                    "SELECT provider, model, process, pid, error, input_tokens, output_tokens, cost_usd,"
                    " duration_s, ttft_s, typeof(input_tokens), typeof(cost_usd) FROM spans ORDER BY start_ns",
                    &error));
  REQUIRE(q.step() == SQLITE_ROW);
  auto text = [&](int col) { return std::string(reinterpret_cast<const char*>(sqlite3_column_text(q.get(), col))); };
  CHECK(text(0) == "openai");
  CHECK(text(1) == "gpt-4o");
  CHECK(text(2) == "python3");
  CHECK(sqlite3_column_int64(q.get(), 3) == 1000);
  CHECK(sqlite3_column_int64(q.get(), 4) == 0);
  CHECK(sqlite3_column_int64(q.get(), 5) == 3);
  CHECK(sqlite3_column_int64(q.get(), 6) == 1);
  CHECK(sqlite3_column_double(q.get(), 7) == 0.0001);
  CHECK(sqlite3_column_double(q.get(), 8) == 0.1);
  CHECK(sqlite3_column_double(q.get(), 9) == 0.05);
  REQUIRE(q.step() == SQLITE_ROW);
  // i = 155: 155 % 5 == 0 -> input known; 155 % 3 == 2 -> unpriced; odd -> no TTFT; 155 % 13 == 12
  // -> timing missing; the response model wins over the request model.
  CHECK(text(1) == "resp-model");
  CHECK(text(11) == "null");              // cost
  CHECK(sqlite3_column_type(q.get(), 8) == SQLITE_NULL);  // duration (timing missing)
  CHECK(sqlite3_column_type(q.get(), 9) == SQLITE_NULL);  // ttft
  CHECK(text(10) == "integer");
}

TEST_CASE("a full queue drops spans and counts them; the caller never waits for the disk") {
  TempStorePath tmp;
  SpanStoreOptions o = quiet_options(tmp.path);
  o.max_queue = 10;
  std::string error;
  auto store = SpanStore::open(o, &error);
  REQUIRE(store);
  store->enforce_retention();  // the writer's start-up pass is done; from now on it waits
  for (int i = 0; i < 1000; ++i) store->on_span(varied_span(i));
  SpanStoreStats s = store->stats();
  CHECK(s.queue_depth == 10);
  CHECK(s.dropped_queue_full == 990);
  store->flush();
  s = store->stats();
  CHECK(s.written == 10);
  CHECK(s.queue_depth == 0);
  CHECK(s.write_errors == 0);
}

TEST_CASE("age retention deletes spans that started before now - max_age") {
  TempStorePath tmp;
  SpanStoreOptions o = quiet_options(tmp.path);
  const uint64_t base = 1'700'000'000'000'000'000ull;
  o.max_age_s = 10;
  uint64_t now = base + 20'000'000'000ull;  // spans 0..9 are older than 10 s
  o.now_unix_ns = [&] { return now; };
  std::string error;
  auto store = SpanStore::open(o, &error);
  REQUIRE(store);
  for (int i = 0; i < 30; ++i) store->on_span(varied_span(i, base));
  store->enforce_retention();
  CHECK(store->stats().deleted_by_age == 10);
  std::vector<Span> out = read_all(tmp.path);
  REQUIRE(out.size() == 20);
  CHECK(out.front() == varied_span(10, base));
}

TEST_CASE("retention also runs by itself every retention_interval") {
  TempStorePath tmp;
  SpanStoreOptions o = store_options(tmp.path);
  o.max_age_s = 3600;
  o.retention_interval = std::chrono::milliseconds(20);
  o.flush_interval = std::chrono::milliseconds(5);
  std::string error;
  auto store = SpanStore::open(o, &error);
  REQUIRE(store);
  for (int i = 0; i < 5; ++i) store->on_span(varied_span(i));  // from 2023: far older than 1 h
  store->flush();
  for (int waited_ms = 0; store->stats().deleted_by_age < 5 && waited_ms < 5000; waited_ms += 10)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(store->stats().deleted_by_age == 5);
  CHECK(read_all(tmp.path).empty());
}

TEST_CASE("size retention deletes the oldest spans until the database fits") {
  TempStorePath tmp;
  SpanStoreOptions o = quiet_options(tmp.path);
  o.max_age_s = 0;
  o.max_bytes = 1 << 20;
  std::string error;
  auto store = SpanStore::open(o, &error);
  REQUIRE(store);
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    Span s = varied_span(i);
    s.attributes.push_back({"gen_ai.input.messages", std::string(600, 'x')});
    store->on_span(s);
  }
  store->flush();
  CHECK(store->stats().written == uint64_t(n));
  store->enforce_retention();
  SpanStoreStats st = store->stats();
  CHECK(st.deleted_by_size > 0);
  CHECK(st.retention_errors == 0);
  SqliteDb db;
  REQUIRE(db.open(tmp.path, SQLITE_OPEN_READONLY, &error));
  auto pages = db.query_int("PRAGMA page_count", &error);
  auto free_pages = db.query_int("PRAGMA freelist_count", &error);
  auto page_size = db.query_int("PRAGMA page_size", &error);
  REQUIRE(bool(pages && free_pages && page_size));
  CHECK(uint64_t(*pages - *free_pages) * uint64_t(*page_size) <= o.max_bytes);
  std::vector<Span> out = read_all(tmp.path);
  CHECK(out.size() == size_t(n) - st.deleted_by_size);
  CHECK(out.back().start_unix_ns == varied_span(n - 1).start_unix_ns);  // the newest stay
  CHECK(out.front().start_unix_ns == varied_span(int(st.deleted_by_size)).start_unix_ns);  // oldest gone
}

TEST_CASE("a store from a newer schema, or a foreign database, is refused with a reason") {
  TempStorePath tmp;
  std::string error;
  {
    auto store = SpanStore::open(store_options(tmp.path), &error);
    REQUIRE(store);
  }
  {
    SqliteDb db;
    REQUIRE(db.open(tmp.path, SQLITE_OPEN_READWRITE, &error));
    REQUIRE(db.exec("UPDATE schema_version SET version = 2", &error));
  }
  CHECK_FALSE(SpanStore::open(store_options(tmp.path), &error));
  CHECK(error.find("store schema version 2 is not the supported version 1 (written by a newer agentprof)") !=
        std::string::npos);
  CHECK_FALSE(StoreQuery::open(tmp.path, &error));
  CHECK(error.find("written by a newer agentprof") != std::string::npos);

  TempStorePath foreign;
  {
    SqliteDb db;
    REQUIRE(db.open(foreign.path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &error));
    REQUIRE(db.exec("CREATE TABLE spans (x)", &error));
  }
  CHECK_FALSE(SpanStore::open(store_options(foreign.path), &error));
  CHECK(error.find("not an agentprof store") != std::string::npos);

  CHECK_FALSE(SpanStore::open(store_options("/nonexistent-dir/x.db"), &error));
  CHECK(error.find("cannot open store /nonexistent-dir/x.db") != std::string::npos);
  CHECK_FALSE(StoreQuery::open("/nonexistent-dir/x.db", &error));
  CHECK(error.find("no store at /nonexistent-dir/x.db") != std::string::npos);
}
