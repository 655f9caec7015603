// Holes that are never filled: declared as gaps by the reorder timeout, by the memory bounds and
// at close; the bytes after them are still delivered.
#include <catch2/catch.hpp>

#include "recording_sink.h"
#include "stream/pending_segments.h"
#include "stream/stream_table.h"

using namespace agentprof;
using namespace agentprof::test;

namespace {
const ConnKey kKey{100, Transport::kSocket, 5, 2};
const ConnKey kOther{100, Transport::kSocket, 6, 1};
constexpr auto kOut = Direction::kEgress;
constexpr auto kIn = Direction::kIngress;
constexpr size_t kOverhead = PendingSegments::kSegmentOverheadBytes;
}  // namespace

TEST_CASE("a hole not filled within the reorder window becomes a gap at tick") {
  RecordingSink sink;
  StreamLimits limits;
  limits.reorder_window_ns = 1000;
  StreamTable table(sink, limits);
  table.add(kKey, kOut, 0, 100, 0, as_bytes("AB"));
  table.add(kKey, kOut, 5, 200, 0, as_bytes("FG"));
  table.tick(1199);  // 999 ns after the held chunk arrived: still waiting
  REQUIRE(sink.of_kind(SinkEvent::kGap).empty());
  table.tick(1200);
  auto gaps = sink.of_kind(SinkEvent::kGap);
  REQUIRE(gaps.size() == 1);
  REQUIRE(gaps[0].missing == 3);
  REQUIRE(gaps[0].dir == kOut);
  REQUIRE(sink.text_of(kKey, kOut) == "AB###FG");
  const StreamStats& s = table.stats();
  REQUIRE(s.gaps == 1);
  REQUIRE(s.gap_bytes == 3);
  REQUIRE(s.overflow_bytes == 0);
  REQUIRE(s.pending_bytes == 0);
  // The late bytes of the hole are now duplicates; the stream continues after the held chunk.
  table.add(kKey, kOut, 2, 1300, 0, as_bytes("CDE"));
  table.add(kKey, kOut, 7, 1300, 0, as_bytes("H"));
  REQUIRE(sink.text_of(kKey, kOut) == "AB###FGH");
  REQUIRE(table.stats().duplicate_bytes == 3);
}

TEST_CASE("successive holes each get their own reorder deadline") {
  RecordingSink sink;
  StreamLimits limits;
  limits.reorder_window_ns = 1000;
  StreamTable table(sink, limits);
  table.add(kKey, kOut, 2, 100, 0, as_bytes("CD"));   // hole 0..2 since t=100
  table.add(kKey, kOut, 6, 900, 0, as_bytes("GH"));   // hole 4..6 since t=900
  table.tick(1100);
  REQUIRE(sink.text_of(kKey, kOut) == "##CD");
  table.tick(1899);
  REQUIRE(sink.text_of(kKey, kOut) == "##CD");
  table.tick(1900);
  REQUIRE(sink.text_of(kKey, kOut) == "##CD##GH");
  REQUIRE(table.stats().gaps == 2);
}

TEST_CASE("a tick long after several holes declares all of them") {
  RecordingSink sink;
  StreamLimits limits;
  limits.reorder_window_ns = 10;
  StreamTable table(sink, limits);
  table.add(kKey, kIn, 1, 1, 0, as_bytes("b"));
  table.add(kKey, kIn, 3, 2, 0, as_bytes("d"));
  table.add(kKey, kIn, 5, 3, 0, as_bytes("f"));
  table.tick(1000);
  REQUIRE(sink.text_of(kKey, kIn) == "#b#d#f");
  REQUIRE(table.stats().gaps == 3);
  REQUIRE(table.stats().gap_bytes == 3);
}

TEST_CASE("exceeding the per-direction bound declares the hole a gap at once") {
  RecordingSink sink;
  StreamLimits limits;
  limits.max_pending_bytes_per_direction = 2 * (10 + kOverhead);
  StreamTable table(sink, limits);
  std::string ten(10, 'x');
  table.add(kKey, kOut, 100, 1, 0, as_bytes(ten));
  table.add(kKey, kOut, 200, 1, 0, as_bytes(ten));
  REQUIRE(sink.events.empty());
  REQUIRE(table.stats().pending_bytes == 20);
  table.add(kKey, kOut, 300, 1, 0, as_bytes(ten));  // third segment does not fit
  auto gaps = sink.of_kind(SinkEvent::kGap);
  REQUIRE(gaps.size() == 1);
  REQUIRE(gaps[0].missing == 100);
  REQUIRE(table.stats().overflow_bytes == 100);
  REQUIRE(table.stats().gap_bytes == 100);
  REQUIRE(table.stats().pending_bytes == 20);
  REQUIRE(table.stats().bytes_delivered == 10);
  // The other direction and other connections are unaffected.
  table.add(kKey, kIn, 0, 1, 0, as_bytes("in"));
  REQUIRE(sink.text_of(kKey, kIn) == "in");
}

TEST_CASE("a single chunk larger than the per-direction bound passes through after a gap") {
  RecordingSink sink;
  StreamLimits limits;
  limits.max_pending_bytes_per_direction = 64;
  StreamTable table(sink, limits);
  std::string big(1000, 'z');
  table.add(kKey, kOut, 5, 1, 0, as_bytes(big));
  REQUIRE(sink.text_of(kKey, kOut) == "#####" + big);
  REQUIRE(table.stats().pending_bytes == 0);
  REQUIRE(table.stats().overflow_bytes == 5);
}

TEST_CASE("exceeding the total bound gives up on the oldest held hole first") {
  RecordingSink sink;
  StreamLimits limits;
  limits.max_pending_bytes_total = 2 * (10 + kOverhead);
  StreamTable table(sink, limits);
  std::string ten(10, 'x');
  table.add(kKey, kOut, 3, 1, 0, as_bytes(ten));     // oldest
  table.add(kOther, kIn, 4, 2, 0, as_bytes(ten));
  REQUIRE(sink.events.empty());
  table.add(kOther, kOut, 5, 3, 0, as_bytes(ten));   // over the total
  auto gaps = sink.of_kind(SinkEvent::kGap);
  REQUIRE(gaps.size() == 1);
  REQUIRE(gaps[0].meta.key == kKey);
  REQUIRE(gaps[0].missing == 3);
  REQUIRE(sink.text_of(kKey, kOut) == "###" + ten);
  REQUIRE(table.stats().pending_bytes == 20);
  REQUIRE(table.stats().overflow_bytes == 3);
}

TEST_CASE("close delivers held bytes behind gaps, then on_close") {
  RecordingSink sink;
  StreamTable table(sink);
  table.add(kKey, kOut, 0, 1, 0, as_bytes("AB"));
  table.add(kKey, kOut, 4, 2, 0, as_bytes("EF"));
  table.add(kKey, kIn, 3, 3, 0, as_bytes("xyz"));
  table.close(kKey, CloseReason::kClosed, 50);
  REQUIRE(sink.text_of(kKey, kOut) == "AB##EF");
  REQUIRE(sink.text_of(kKey, kIn) == "###xyz");
  REQUIRE(sink.events.back().kind == SinkEvent::kClose);
  REQUIRE(sink.events.back().reason == CloseReason::kClosed);
  REQUIRE(sink.events.back().ts_ns == 50);
  REQUIRE(table.stats().gaps == 2);
  REQUIRE(table.stats().overflow_bytes == 0);
  REQUIRE(table.stats().pending_bytes == 0);
  REQUIRE(table.stats().open_connections == 0);
  REQUIRE(table.stats().connections_closed == 1);
}
