// Drives StreamTable with random add/close/tick/update_meta sequences and checks, after every
// call, that what was delivered is exactly the reference bytes at the right positions and that
// the counters and memory bounds hold.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <tuple>
#include <vector>

#include "stream/stream_table.h"

using namespace agentprof;

namespace {

#define FUZZ_CHECK(cond)   \
  do {                     \
    if (!(cond)) abort();  \
  } while (0)

// The byte every correct reassembly delivers at `pos` of a connection direction.
uint8_t reference_byte(const ConnKey& key, Direction dir, uint64_t pos) {
  uint64_t h = (pos ^ (key.id << 3) ^ (key.generation << 1) ^ uint64_t(dir)) * 0x9E3779B97F4A7C15ull;
  return uint8_t(h >> 57);
}

using DirKey = std::tuple<uint32_t, uint8_t, uint64_t, uint64_t, uint8_t>;
DirKey dir_key(const ConnKey& k, Direction d) {
  return {k.tgid, uint8_t(k.transport), k.id, k.generation, uint8_t(d)};
}

class CheckingSink : public StreamSink {
 public:
  void on_bytes(const ConnMeta& conn, Direction dir, uint64_t, std::span<const uint8_t> bytes) override {
    FUZZ_CHECK(!bytes.empty());
    uint64_t& pos = positions[dir_key(conn.key, dir)];
    for (uint8_t b : bytes) FUZZ_CHECK(b == reference_byte(conn.key, dir, pos++));
  }
  void on_gap(const ConnMeta& conn, Direction dir, uint64_t missing) override {
    FUZZ_CHECK(missing > 0);
    positions[dir_key(conn.key, dir)] += missing;
  }
  void on_close(const ConnMeta& conn, CloseReason, uint64_t) override {
    positions.erase(dir_key(conn.key, Direction::kEgress));
    positions.erase(dir_key(conn.key, Direction::kIngress));
  }
  std::map<DirKey, uint64_t> positions;
};

class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool done() const { return at_ >= size_; }
  uint8_t u8() { return at_ < size_ ? data_[at_++] : 0; }
  uint16_t u16() { return uint16_t(u8() | u8() << 8); }
  uint64_t u64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | u8();
    return v;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  StreamLimits limits;
  limits.max_pending_bytes_per_direction = 200 + in.u16() % 4000;
  limits.max_pending_bytes_total = 300 + in.u16() % 8000;
  limits.max_connections = 1 + in.u8() % 6;
  limits.reorder_window_ns = in.u8();
  limits.idle_timeout_ns = 1 + in.u16();
  CheckingSink sink;
  StreamTable table(sink, limits);
  std::map<DirKey, uint64_t> frontier;  // highest position sent per direction
  std::vector<uint8_t> buf;
  uint64_t now = 0;

  while (!in.done()) {
    const uint8_t op = in.u8();
    const uint8_t who = in.u8();
    const ConnKey key{uint32_t(who & 1), (who & 2) ? Transport::kTls : Transport::kSocket,
                      uint64_t((who >> 2) & 3), uint64_t((who >> 4) & 1)};
    now += in.u8();
    switch (op % 8) {
      case 0:
        table.close(key, CloseReason(in.u8() % 5), now);
        break;
      case 1:
        table.tick(now);
        break;
      case 2:
        table.close_process(key.tgid, now);
        break;
      case 3: {
        ConnMeta meta;
        meta.key = key;
        meta.tid = in.u8();
        if (in.u8() & 1) meta.comm = "agent";
        meta.remote.port = in.u16();
        table.update_meta(meta);
        break;
      }
      default: {
        const uint8_t mode = in.u8();
        const Direction dir = (mode & 0x80) ? Direction(2 + (mode & 1)) : Direction(mode & 1);
        uint64_t& front = frontier[dir_key(key, dir)];
        uint64_t pos;
        if ((mode & 0x7E) == 0x7E) {
          pos = in.u64();  // anywhere, including near 2^64
        } else {
          const int64_t offset = int64_t(in.u16() % 1024) - 300;
          pos = (offset < 0 && uint64_t(-offset) > front) ? 0 : front + offset;
        }
        const size_t len = in.u16() % 600;
        buf.resize(len);
        for (size_t i = 0; i < len; ++i) buf[i] = reference_byte(key, dir, pos + i);
        table.add(key, dir, pos, now, in.u8(), buf);
        if (pos + len > front && pos + len >= pos) front = pos + len;
        break;
      }
    }
    const StreamStats& s = table.stats();
    FUZZ_CHECK(s.pending_bytes <= limits.max_pending_bytes_total);
    FUZZ_CHECK(s.pending_bytes <= 2 * limits.max_pending_bytes_per_direction * s.open_connections);
    FUZZ_CHECK(s.open_connections <= limits.max_connections);
    FUZZ_CHECK(s.bytes_received == s.bytes_delivered + s.duplicate_bytes + s.pending_bytes + s.rejected_bytes);
    FUZZ_CHECK(s.connections_opened ==
               s.connections_closed + s.connections_expired + s.connections_evicted + s.open_connections);
    FUZZ_CHECK(s.overflow_bytes <= s.gap_bytes);
  }
  table.close_all(now);
  FUZZ_CHECK(table.stats().pending_bytes == 0);
  FUZZ_CHECK(table.stats().open_connections == 0);
  FUZZ_CHECK(sink.positions.empty());
  return 0;
}
