// Ordering within one direction: in order, out of order, duplicates, partial overlaps.
#include <catch2/catch.hpp>

#include "recording_sink.h"
#include "stream/stream_table.h"

using namespace agentprof;
using namespace agentprof::test;

namespace {
const ConnKey kKey{100, Transport::kTls, 0xABC, 1};
constexpr auto kOut = Direction::kEgress;

void conserved(const StreamStats& s) {
  REQUIRE(s.bytes_received == s.bytes_delivered + s.duplicate_bytes + s.pending_bytes + s.rejected_bytes);
}
}  // namespace

TEST_CASE("in-order chunks are delivered at once, zero-copy, with their timestamps") {
  RecordingSink sink;
  StreamTable table(sink);
  std::string a = "GET / HTTP/1.1\r\n", b = "Host: x\r\n\r\n";
  table.add(kKey, kOut, 0, 10, 7, as_bytes(a));
  REQUIRE(sink.last_span_data == reinterpret_cast<const uint8_t*>(a.data()));
  table.add(kKey, kOut, a.size(), 20, 8, as_bytes(b));
  REQUIRE(sink.last_span_data == reinterpret_cast<const uint8_t*>(b.data()));
  REQUIRE(sink.text_of(kKey, kOut) == a + b);
  auto bytes = sink.of_kind(SinkEvent::kBytes);
  REQUIRE(bytes.size() == 2);
  REQUIRE(bytes[0].ts_ns == 10);
  REQUIRE(bytes[0].meta.tid == 7);
  REQUIRE(bytes[1].ts_ns == 20);
  REQUIRE(bytes[1].meta.tid == 8);
  const StreamStats& s = table.stats();
  REQUIRE(s.chunks == 2);
  REQUIRE(s.bytes_received == a.size() + b.size());
  REQUIRE(s.bytes_delivered == a.size() + b.size());
  REQUIRE(s.out_of_order_chunks == 0);
  REQUIRE(s.pending_bytes == 0);
  REQUIRE(s.connections_opened == 1);
  REQUIRE(s.open_connections == 1);
}

TEST_CASE("out-of-order chunks are held until the hole is filled, then delivered in order") {
  RecordingSink sink;
  StreamTable table(sink);
  table.add(kKey, kOut, 6, 2, 0, as_bytes("GHI"));
  table.add(kKey, kOut, 3, 3, 0, as_bytes("DEF"));
  REQUIRE(sink.events.empty());
  REQUIRE(table.stats().pending_bytes == 6);
  REQUIRE(table.stats().out_of_order_chunks == 2);
  table.add(kKey, kOut, 0, 4, 0, as_bytes("ABC"));
  REQUIRE(sink.text_of(kKey, kOut) == "ABCDEFGHI");
  // Held bytes keep the capture time of the chunk they arrived in.
  auto bytes = sink.of_kind(SinkEvent::kBytes);
  REQUIRE(bytes.size() == 3);
  REQUIRE(bytes[0].ts_ns == 4);
  REQUIRE(bytes[1].ts_ns == 3);
  REQUIRE(bytes[2].ts_ns == 2);
  REQUIRE(table.stats().pending_bytes == 0);
  REQUIRE(table.stats().bytes_delivered == 9);
  REQUIRE(table.stats().gaps == 0);
  conserved(table.stats());
}

TEST_CASE("chunks already delivered are counted as duplicates and ignored") {
  RecordingSink sink;
  StreamTable table(sink);
  table.add(kKey, kOut, 0, 1, 0, as_bytes("ABCDEF"));
  table.add(kKey, kOut, 0, 2, 0, as_bytes("ABCDEF"));
  table.add(kKey, kOut, 2, 3, 0, as_bytes("CD"));
  REQUIRE(sink.text_of(kKey, kOut) == "ABCDEF");
  REQUIRE(table.stats().duplicate_bytes == 8);
  REQUIRE(table.stats().out_of_order_chunks == 0);
  conserved(table.stats());
}

TEST_CASE("a chunk partly delivered already is trimmed to its new bytes") {
  RecordingSink sink;
  StreamTable table(sink);
  table.add(kKey, kOut, 0, 1, 0, as_bytes("ABCD"));
  table.add(kKey, kOut, 2, 2, 0, as_bytes("CDEF"));
  REQUIRE(sink.text_of(kKey, kOut) == "ABCDEF");
  REQUIRE(sink.of_kind(SinkEvent::kBytes).back().bytes == "EF");
  REQUIRE(table.stats().duplicate_bytes == 2);
  conserved(table.stats());
}

TEST_CASE("overlapping held chunks are trimmed against each other") {
  RecordingSink sink;
  StreamTable table(sink);
  table.add(kKey, kOut, 4, 1, 0, as_bytes("EFGH"));    // held 4..8
  table.add(kKey, kOut, 10, 1, 0, as_bytes("KL"));     // held 10..12
  table.add(kKey, kOut, 2, 1, 0, as_bytes("CDEFGHIJKLMN"));  // spans both: stores 2..4, 8..10, 12..14
  REQUIRE(table.stats().duplicate_bytes == 6);
  REQUIRE(table.stats().pending_bytes == 12);
  table.add(kKey, kOut, 6, 1, 0, as_bytes("GH"));      // entirely held already
  REQUIRE(table.stats().duplicate_bytes == 8);
  table.add(kKey, kOut, 0, 1, 0, as_bytes("ABC"));     // overlaps the held 'C'
  REQUIRE(sink.text_of(kKey, kOut) == "ABCDEFGHIJKLMN");
  REQUIRE(table.stats().duplicate_bytes == 9);
  REQUIRE(table.stats().pending_bytes == 0);
  REQUIRE(table.stats().bytes_delivered == 14);
  conserved(table.stats());
}

TEST_CASE("an in-order chunk that covers held bytes delivers itself and drops the held copies") {
  RecordingSink sink;
  StreamTable table(sink);
  table.add(kKey, kOut, 2, 1, 0, as_bytes("CD"));
  table.add(kKey, kOut, 6, 1, 0, as_bytes("GHI"));
  std::string whole = "ABCDEFGH";
  table.add(kKey, kOut, 0, 2, 0, as_bytes(whole));
  // The big chunk went straight through; only the held tail 'I' was left to deliver.
  auto bytes = sink.of_kind(SinkEvent::kBytes);
  REQUIRE(bytes.size() == 2);
  REQUIRE(bytes[0].bytes == whole);
  REQUIRE(bytes[1].bytes == "I");
  REQUIRE(sink.text_of(kKey, kOut) == "ABCDEFGHI");
  REQUIRE(table.stats().duplicate_bytes == 4);
  REQUIRE(table.stats().pending_bytes == 0);
  conserved(table.stats());
}

TEST_CASE("empty chunks are counted but deliver nothing") {
  RecordingSink sink;
  StreamTable table(sink);
  table.add(kKey, kOut, 0, 1, 0, {});
  table.add(kKey, kOut, 50, 1, 0, {});
  REQUIRE(sink.of_kind(SinkEvent::kBytes).empty());
  REQUIRE(table.stats().chunks == 2);
  REQUIRE(table.stats().pending_bytes == 0);
  table.add(kKey, kOut, 0, 1, 0, as_bytes("x"));
  REQUIRE(sink.text_of(kKey, kOut) == "x");
}

TEST_CASE("positions that would wrap past 2^64 are rejected, not wrapped") {
  RecordingSink sink;
  StreamTable table(sink);
  const uint64_t near_end = UINT64_MAX - 2;
  table.add(kKey, kOut, near_end, 1, 0, as_bytes("ABCDE"));
  REQUIRE(table.stats().rejected_bytes == 3);
  REQUIRE(table.stats().pending_bytes == 2);
  conserved(table.stats());
  table.close(kKey, CloseReason::kClosed, 2);
  REQUIRE(table.stats().gap_bytes == near_end);
  REQUIRE(sink.text_of(kKey, kOut) == "<big gap>AB");
  conserved(table.stats());
}

TEST_CASE("an invalid direction value is rejected and counted") {
  RecordingSink sink;
  StreamTable table(sink);
  table.add(kKey, Direction(7), 0, 1, 0, as_bytes("ABC"));
  REQUIRE(sink.events.empty());
  REQUIRE(table.stats().rejected_bytes == 3);
  REQUIRE(table.stats().connections_opened == 0);
  conserved(table.stats());
}
