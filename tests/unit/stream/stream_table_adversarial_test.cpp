// Randomized adversarial sequences: every delivered byte is the byte at that position, the memory
// bounds hold after every call, and the counters add up exactly.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "stream/pending_segments.h"
#include "stream/stream_table.h"

using namespace agentprof;

namespace {

// Byte at `pos` of direction `dir` of connection `id`: what a correct reassembly must deliver.
uint8_t reference_byte(uint64_t id, Direction dir, uint64_t pos) {
  uint64_t h = (pos + 1) * 0x9E3779B97F4A7C15ull ^ (id << 8) ^ uint64_t(dir);
  return uint8_t(h >> 56);
}

// Checks content and position of everything delivered, per connection direction.
class CheckingSink : public StreamSink {
 public:
  void on_bytes(const ConnMeta& conn, Direction dir, uint64_t, std::span<const uint8_t> bytes) override {
    uint64_t& pos = position(conn.key, dir);
    for (uint8_t b : bytes) {
      if (b != reference_byte(conn.key.id, dir, pos)) mismatches++;
      ++pos;
    }
    delivered += bytes.size();
  }
  void on_gap(const ConnMeta& conn, Direction dir, uint64_t missing) override {
    if (missing == 0) zero_gaps++;
    position(conn.key, dir) += missing;
    gap_bytes += missing;
  }
  void on_close(const ConnMeta& conn, CloseReason, uint64_t) override {
    positions.erase({conn.key.id, 0});
    positions.erase({conn.key.id, 1});
    closes++;
  }
  uint64_t& position(const ConnKey& key, Direction dir) { return positions[{key.id, uint8_t(dir)}]; }

  std::map<std::pair<uint64_t, uint8_t>, uint64_t> positions;
  uint64_t mismatches = 0, zero_gaps = 0, delivered = 0, gap_bytes = 0, closes = 0;
};

}  // namespace

TEST_CASE("randomized reordering, duplication and loss under tight memory bounds") {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    CheckingSink sink;
    StreamLimits limits;
    limits.max_pending_bytes_per_direction = 600 + rng() % 2000;
    limits.max_pending_bytes_total = 1500 + rng() % 4000;
    limits.max_connections = 4;
    limits.reorder_window_ns = 50;
    limits.idle_timeout_ns = 400;
    StreamTable table(sink, limits);

    // Each connection id keeps its own "sent so far" position per direction; ids are never
    // reused after close so positions restart cleanly in the sink too.
    std::map<std::pair<uint64_t, uint8_t>, uint64_t> sent;
    uint64_t next_id = 1;
    std::vector<uint64_t> live_ids;
    uint64_t now = 0;
    std::vector<uint8_t> buf;

    for (int step = 0; step < 4000; ++step) {
      now += rng() % 5;
      const unsigned op = rng() % 100;
      if (live_ids.empty() || op < 3) {
        live_ids.push_back(next_id++);
        continue;
      }
      const uint64_t id = live_ids[rng() % live_ids.size()];
      const ConnKey key{uint32_t(id % 3), Transport::kSocket, id, 1};
      if (op < 5) {
        table.close(key, CloseReason::kClosed, now);
        live_ids.erase(std::find(live_ids.begin(), live_ids.end(), id));
      } else if (op < 7) {
        table.tick(now);
      } else if (op < 8) {
        table.close_process(key.tgid, now);
        std::erase_if(live_ids, [&](uint64_t i) { return uint32_t(i % 3) == key.tgid; });
      } else {
        const Direction dir = Direction(rng() % 2);
        uint64_t& frontier = sent[{id, uint8_t(dir)}];
        // Mostly near the frontier: in order, ahead (reordering or loss), or behind (duplicates).
        const int64_t offset = int64_t(rng() % 400) - 150;
        const uint64_t pos = offset < 0 && uint64_t(-offset) > frontier ? 0 : frontier + offset;
        const size_t len = 1 + rng() % 300;
        buf.resize(len);
        for (size_t i = 0; i < len; ++i) buf[i] = reference_byte(id, dir, pos + i);
        table.add(key, dir, pos, now, uint32_t(id), buf);
        frontier = std::max(frontier, pos + len);
      }
      const StreamStats& s = table.stats();
      REQUIRE(s.pending_bytes <= limits.max_pending_bytes_per_direction * 2 * s.open_connections);
      REQUIRE(s.pending_bytes <= limits.max_pending_bytes_total);
      REQUIRE(s.open_connections <= limits.max_connections);
      REQUIRE(s.bytes_received == s.bytes_delivered + s.duplicate_bytes + s.pending_bytes + s.rejected_bytes);
      REQUIRE(s.connections_opened ==
              s.connections_closed + s.connections_expired + s.connections_evicted + s.open_connections);
    }
    table.close_all(now);
    const StreamStats& s = table.stats();
    REQUIRE(sink.mismatches == 0);
    REQUIRE(sink.zero_gaps == 0);
    REQUIRE(s.pending_bytes == 0);
    REQUIRE(s.open_connections == 0);
    REQUIRE(s.bytes_delivered == sink.delivered);
    REQUIRE(s.gap_bytes == sink.gap_bytes);
    REQUIRE(s.overflow_bytes <= s.gap_bytes);
    REQUIRE(s.bytes_received == s.bytes_delivered + s.duplicate_bytes);
    REQUIRE(sink.closes == s.connections_opened);
    // The sequence really exercised every mechanism.
    REQUIRE(s.out_of_order_chunks > 0);
    REQUIRE(s.duplicate_bytes > 0);
    REQUIRE(s.gaps > 0);
    REQUIRE(s.overflow_bytes > 0);
    REQUIRE(s.connections_evicted > 0);
  }
}

TEST_CASE("per-direction held memory, overhead included, never exceeds the bound") {
  // Many tiny segments: the per-segment overhead is what keeps the real footprint bounded.
  struct NullSink : StreamSink {
    void on_bytes(const ConnMeta&, Direction, uint64_t, std::span<const uint8_t>) override {}
    void on_gap(const ConnMeta&, Direction, uint64_t) override {}
    void on_close(const ConnMeta&, CloseReason, uint64_t) override {}
  } sink;
  StreamLimits limits;
  limits.max_pending_bytes_per_direction = 100 * (1 + PendingSegments::kSegmentOverheadBytes);
  StreamTable table(sink, limits);
  const ConnKey key{1, Transport::kTls, 1, 1};
  const uint8_t byte = 0;
  for (uint64_t i = 0; i < 10000; ++i) {
    table.add(key, Direction::kIngress, 1 + 2 * i, i, 0, {&byte, 1});
    REQUIRE(table.stats().pending_bytes <= 100);
  }
  REQUIRE(table.stats().pending_bytes == 100);
  REQUIRE(table.stats().gaps == 10000 - 100);
}
