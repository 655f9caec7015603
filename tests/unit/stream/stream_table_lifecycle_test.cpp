// Connection lifecycle: independence, key reuse with a new generation, metadata, expiry,
// eviction, close_process, close_all.
#include <catch2/catch.hpp>

#include "recording_sink.h"
#include "stream/stream_table.h"

using namespace agentprof;
using namespace agentprof::test;

namespace {
constexpr auto kOut = Direction::kEgress;
constexpr auto kIn = Direction::kIngress;
ConnKey key(uint32_t tgid, uint64_t id, uint64_t generation = 1) {
  return ConnKey{tgid, Transport::kSocket, id, generation};
}
size_t closes_with(const RecordingSink& sink, CloseReason reason) {
  size_t n = 0;
  for (const SinkEvent& e : sink.of_kind(SinkEvent::kClose)) n += e.reason == reason;
  return n;
}
}  // namespace

TEST_CASE("connections and directions are reassembled independently") {
  RecordingSink sink;
  StreamTable table(sink);
  const ConnKey a = key(1, 3), b = key(1, 4), c{1, Transport::kTls, 3, 1};  // c: same id, TLS
  table.add(a, kOut, 2, 1, 0, as_bytes("cd"));  // a/out waits for 0..2
  table.add(b, kOut, 0, 1, 0, as_bytes("b-out"));
  table.add(a, kIn, 0, 1, 0, as_bytes("a-in"));
  table.add(c, kOut, 0, 1, 0, as_bytes("c-out"));
  REQUIRE(sink.text_of(b, kOut) == "b-out");
  REQUIRE(sink.text_of(a, kIn) == "a-in");
  REQUIRE(sink.text_of(c, kOut) == "c-out");
  REQUIRE(sink.text_of(a, kOut).empty());
  table.add(a, kOut, 0, 2, 0, as_bytes("ab"));
  REQUIRE(sink.text_of(a, kOut) == "abcd");
  REQUIRE(table.stats().open_connections == 3);
}

TEST_CASE("a reused fd with a new generation is a new connection starting at position 0") {
  RecordingSink sink;
  StreamTable table(sink);
  const ConnKey old_conn = key(9, 5, 1), new_conn = key(9, 5, 2);
  table.add(old_conn, kOut, 0, 1, 0, as_bytes("first connection"));
  // The new generation starts at 0 although the old one is still open (close not seen yet).
  table.add(new_conn, kOut, 0, 2, 0, as_bytes("second"));
  REQUIRE(sink.text_of(new_conn, kOut) == "second");
  REQUIRE(sink.of_kind(SinkEvent::kBytes).back().meta.key.generation == 2);
  REQUIRE(table.stats().duplicate_bytes == 0);
  REQUIRE(table.stats().connections_opened == 2);
  table.close(old_conn, CloseReason::kClosed, 3);
  table.add(new_conn, kOut, 6, 4, 0, as_bytes("!"));
  REQUIRE(sink.text_of(new_conn, kOut) == "second!");
  REQUIRE(table.stats().open_connections == 1);
}

TEST_CASE("a closed key seen again starts a fresh connection") {
  RecordingSink sink;
  StreamTable table(sink);
  const ConnKey k = key(9, 5, 1);
  table.add(k, kOut, 0, 1, 0, as_bytes("abc"));
  table.close(k, CloseReason::kClosed, 2);
  table.close(k, CloseReason::kClosed, 3);  // second close of the same key: no event
  REQUIRE(sink.of_kind(SinkEvent::kClose).size() == 1);
  table.add(k, kOut, 0, 4, 0, as_bytes("xyz"));
  REQUIRE(sink.text_of(k, kOut) == "abcxyz");
  REQUIRE(table.stats().connections_opened == 2);
  REQUIRE(table.stats().duplicate_bytes == 0);
}

TEST_CASE("metadata merges: non-empty fields win and callbacks carry the freshest view") {
  RecordingSink sink;
  StreamTable table(sink);
  const ConnKey k = key(42, 8);
  ConnMeta first;
  first.key = k;
  first.comm = "python3";
  first.role = Role::kClient;
  first.remote = {"10.0.0.1", 443};
  table.update_meta(first);
  ConnMeta later;
  later.key = k;
  later.local = {"10.0.0.2", 0};
  later.remote.port = 8443;  // address unknown in this update: keep the known one
  table.update_meta(later);
  table.add(k, kOut, 0, 1, 77, as_bytes("x"));
  auto ev = sink.of_kind(SinkEvent::kBytes).at(0);
  REQUIRE(ev.meta.key == k);
  REQUIRE(ev.meta.comm == "python3");
  REQUIRE(ev.meta.role == Role::kClient);
  REQUIRE(ev.meta.tid == 77);
  REQUIRE(ev.meta.remote.address == "10.0.0.1");
  REQUIRE(ev.meta.remote.port == 8443);
  REQUIRE(ev.meta.local.address == "10.0.0.2");
  REQUIRE(ev.meta.local.port == 0);
  // Held bytes are delivered with the tid of the latest chunk, and tid 0 means "unknown".
  table.add(k, kOut, 2, 2, 78, as_bytes("z"));
  table.add(k, kOut, 1, 3, 0, as_bytes("y"));
  auto bytes = sink.of_kind(SinkEvent::kBytes);
  REQUIRE(bytes.size() == 3);
  REQUIRE(bytes[1].meta.tid == 78);
  REQUIRE(bytes[2].meta.tid == 78);
  table.close(k, CloseReason::kClosed, 4);
  REQUIRE(sink.events.back().meta.comm == "python3");
  REQUIRE(table.stats().connections_opened == 1);
}

TEST_CASE("idle connections expire at tick, active ones stay") {
  RecordingSink sink;
  StreamLimits limits;
  limits.idle_timeout_ns = 1000;
  StreamTable table(sink, limits);
  const ConnKey idle = key(1, 1), busy = key(1, 2);
  table.add(idle, kOut, 0, 100, 0, as_bytes("a"));
  table.add(idle, kIn, 1, 100, 0, as_bytes("held"));  // held bytes are flushed on expiry
  table.add(busy, kOut, 0, 100, 0, as_bytes("b"));
  table.add(busy, kOut, 1, 900, 0, as_bytes("b"));
  table.tick(1099);
  REQUIRE(sink.of_kind(SinkEvent::kClose).empty());
  table.tick(1100);
  auto closes = sink.of_kind(SinkEvent::kClose);
  REQUIRE(closes.size() == 1);
  REQUIRE(closes[0].meta.key == idle);
  REQUIRE(closes[0].reason == CloseReason::kExpired);
  REQUIRE(sink.text_of(idle, kIn) == "#held");
  REQUIRE(table.stats().connections_expired == 1);
  REQUIRE(table.stats().open_connections == 1);
  table.tick(1900);
  REQUIRE(closes_with(sink, CloseReason::kExpired) == 2);
  REQUIRE(table.stats().open_connections == 0);
}

TEST_CASE("a connection known only from metadata expires too") {
  RecordingSink sink;
  StreamLimits limits;
  limits.idle_timeout_ns = 1000;
  StreamTable table(sink, limits);
  table.tick(500);
  ConnMeta meta;
  meta.key = key(3, 3);
  table.update_meta(meta);  // stamped with the latest time seen (500)
  table.tick(1499);
  REQUIRE(table.stats().open_connections == 1);
  table.tick(1500);
  REQUIRE(table.stats().connections_expired == 1);
}

TEST_CASE("when max_connections is reached the least recently active connection is evicted") {
  RecordingSink sink;
  StreamLimits limits;
  limits.max_connections = 3;
  StreamTable table(sink, limits);
  table.add(key(1, 1), kOut, 0, 1, 0, as_bytes("1"));
  table.add(key(1, 2), kOut, 0, 2, 0, as_bytes("2"));
  table.add(key(1, 3), kOut, 0, 3, 0, as_bytes("3"));
  table.add(key(1, 1), kOut, 1, 4, 0, as_bytes("1"));  // 1 is now the most recent
  table.add(key(1, 4), kOut, 0, 5, 0, as_bytes("4"));  // evicts 2
  auto closes = sink.of_kind(SinkEvent::kClose);
  REQUIRE(closes.size() == 1);
  REQUIRE(closes[0].meta.key == key(1, 2));
  REQUIRE(closes[0].reason == CloseReason::kEvicted);
  REQUIRE(table.stats().connections_evicted == 1);
  REQUIRE(table.stats().open_connections == 3);
  table.add(key(1, 5), kOut, 0, 6, 0, as_bytes("5"));  // evicts 3
  REQUIRE(sink.of_kind(SinkEvent::kClose).back().meta.key == key(1, 3));
  REQUIRE(table.stats().open_connections == 3);
}

TEST_CASE("close_process ends exactly that process's connections") {
  RecordingSink sink;
  StreamTable table(sink);
  table.add(key(10, 1), kOut, 0, 1, 0, as_bytes("a"));
  table.add(key(10, 2), kIn, 5, 1, 0, as_bytes("held"));
  table.add(key(11, 1), kOut, 0, 1, 0, as_bytes("b"));
  table.close_process(10, 99);
  auto closes = sink.of_kind(SinkEvent::kClose);
  REQUIRE(closes.size() == 2);
  for (const SinkEvent& e : closes) {
    REQUIRE(e.meta.key.tgid == 10);
    REQUIRE(e.reason == CloseReason::kProcessExited);
    REQUIRE(e.ts_ns == 99);
  }
  REQUIRE(sink.text_of(key(10, 2), kIn) == "#####held");
  REQUIRE(table.stats().open_connections == 1);
  REQUIRE(table.stats().connections_closed == 2);
  table.close_process(10, 100);  // nothing left
  table.close_process(12, 100);  // never seen
  REQUIRE(sink.of_kind(SinkEvent::kClose).size() == 2);
  // The tgid index was cleaned: a new connection of process 10 is tracked and closed again.
  table.add(key(10, 3), kOut, 0, 1, 0, as_bytes("c"));
  table.close_process(10, 101);
  REQUIRE(sink.of_kind(SinkEvent::kClose).size() == 3);
}

TEST_CASE("close_all ends every connection with kShutdown") {
  RecordingSink sink;
  StreamTable table(sink);
  for (uint64_t i = 0; i < 5; ++i) table.add(key(uint32_t(i % 2), i), kOut, 1, 1, 0, as_bytes("x"));
  table.close_all(7);
  REQUIRE(closes_with(sink, CloseReason::kShutdown) == 5);
  REQUIRE(sink.of_kind(SinkEvent::kGap).size() == 5);
  const StreamStats& s = table.stats();
  REQUIRE(s.open_connections == 0);
  REQUIRE(s.pending_bytes == 0);
  REQUIRE(s.connections_opened == s.connections_closed + s.connections_expired + s.connections_evicted);
}
