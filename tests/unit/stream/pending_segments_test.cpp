// PendingSegments alone: non-overlapping storage, trimming, draining, accounting.
#include <catch2/catch.hpp>

#include <string>

#include "stream/pending_segments.h"

using agentprof::PendingSegments;

namespace {
std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
std::string drain_all(PendingSegments& p, uint64_t& pos) {
  std::string out;
  pos = p.drain_contiguous(pos, [&](uint64_t, std::span<const uint8_t> b) { out.append(b.begin(), b.end()); });
  return out;
}
}  // namespace

TEST_CASE("PendingSegments stores only bytes not held yet") {
  PendingSegments p;
  auto r = p.insert(10, 1, bytes_of("klmn"));
  REQUIRE(r.stored == 4);
  REQUIRE(r.duplicate == 0);
  r = p.insert(12, 2, bytes_of("mnop"));
  REQUIRE(r.stored == 2);
  REQUIRE(r.duplicate == 2);
  r = p.insert(8, 3, bytes_of("ijklmnopq"));
  REQUIRE(r.stored == 3);
  REQUIRE(r.duplicate == 6);
  REQUIRE(p.payload_bytes() == 9);
  REQUIRE(p.segment_count() == 4);
  REQUIRE(p.charged_bytes() == 9 + 4 * PendingSegments::kSegmentOverheadBytes);
  REQUIRE(p.first_pos() == 8);
  REQUIRE(p.first_ts_ns() == 3);
  uint64_t pos = 7;
  REQUIRE(drain_all(p, pos).empty());  // a hole at 7: nothing drains
  REQUIRE(pos == 7);
  pos = 8;
  REQUIRE(drain_all(p, pos) == "ijklmnopq");
  REQUIRE(pos == 17);
  REQUIRE(p.empty());
  REQUIRE(p.payload_bytes() == 0);
  REQUIRE(p.charged_bytes() == 0);
}

TEST_CASE("PendingSegments discard_before trims whole and partial segments") {
  PendingSegments p;
  p.insert(0, 1, bytes_of("ab"));
  p.insert(4, 1, bytes_of("efgh"));
  p.insert(10, 1, bytes_of("k"));
  REQUIRE(p.discard_before(6) == 4);  // "ab" and "ef"
  REQUIRE(p.first_pos() == 6);
  REQUIRE(p.payload_bytes() == 3);
  uint64_t pos = 6;
  REQUIRE(drain_all(p, pos) == "gh");
  REQUIRE(p.discard_before(5) == 0);
  REQUIRE(p.first_pos() == 10);
}
