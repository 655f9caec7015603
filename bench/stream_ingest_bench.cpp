// Throughput of StreamTable::add for 16 KiB chunks across 64 connections: all in order (the
// zero-copy hot path), and with 1% of chunks arriving one chunk early (held, then drained).
// The sink only counts, so the numbers measure the table itself, hash lookup included.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "stream/stream_table.h"

using namespace agentprof;

namespace {

constexpr size_t kConnections = 64;
constexpr size_t kChunksPerConnection = 16384;  // 64 * 16384 * 16 KiB = 16 GiB per 16 KiB run

class CountingSink : public StreamSink {
 public:
  void on_bytes(const ConnMeta&, Direction, uint64_t, std::span<const uint8_t> bytes) override {
    delivered += bytes.size();
    checksum += bytes.front();  // touch the data so the call cannot be optimised away
  }
  void on_gap(const ConnMeta&, Direction, uint64_t) override { gaps++; }
  void on_close(const ConnMeta&, CloseReason, uint64_t) override {}
  uint64_t delivered = 0, gaps = 0, checksum = 0;
};

// One ingest run. out_of_order_percent of the chunks are sent before their predecessor.
void run(const char* label, size_t chunk_bytes, unsigned out_of_order_percent) {
  std::vector<uint8_t> chunk(chunk_bytes, 'x');
  std::mt19937 rng(42);
  CountingSink sink;
  StreamTable table(sink);
  std::vector<ConnKey> keys;
  for (size_t c = 0; c < kConnections; ++c) {
    keys.push_back(ConnKey{uint32_t(1000 + c % 8), Transport::kTls, 0x7f0000 + c * 64, 1});
  }

  std::vector<bool> next_already_sent(kConnections, false);
  const auto start = std::chrono::steady_clock::now();
  uint64_t ts = 0;
  for (size_t i = 0; i < kChunksPerConnection; ++i) {
    const uint64_t pos = uint64_t(i) * chunk_bytes;
    for (size_t c = 0; c < kConnections; ++c) {
      ++ts;
      if (next_already_sent[c]) {
        next_already_sent[c] = false;
        continue;
      }
      if (out_of_order_percent != 0 && i + 1 < kChunksPerConnection && rng() % 100 < out_of_order_percent) {
        // The next chunk overtakes this one: it is held, then both drain when this one arrives.
        table.add(keys[c], Direction::kIngress, pos + chunk_bytes, ts, 1, chunk);
        table.add(keys[c], Direction::kIngress, pos, ts, 1, chunk);
        next_already_sent[c] = true;
        continue;
      }
      table.add(keys[c], Direction::kIngress, pos, ts, 1, chunk);
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const StreamStats& s = table.stats();
  std::printf("%-32s %9.0f MB/s  %7.2f Mchunks/s  (%llu MB, %.3f s, out-of-order chunks %llu, gaps %llu)\n",
              label, double(s.bytes_delivered) / seconds / 1e6, double(s.chunks) / seconds / 1e6,
              (unsigned long long)(s.bytes_delivered / 1000000), seconds,
              (unsigned long long)s.out_of_order_chunks, (unsigned long long)s.gaps);
  if (s.bytes_delivered != uint64_t(kConnections) * kChunksPerConnection * chunk_bytes || sink.gaps != 0) {
    std::printf("  ERROR: not every byte was delivered exactly once\n");
  }
}

}  // namespace

int main() {
  run("16 KiB chunks, in order", 16 * 1024, 0);
  run("16 KiB chunks, 1% out of order", 16 * 1024, 1);
  // Small chunks (SSE events, short writes) show the fixed cost per chunk.
  run("256 B chunks, in order", 256, 0);
  run("256 B chunks, 1% out of order", 256, 1);
  return 0;
}
