// The connection table: turns position-stamped chunks (possibly out of order, duplicated or with
// holes) into ordered bytes per connection direction, with bounded memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "common/connection.h"
#include "stream/stream_sink.h"

namespace agentprof {

struct StreamLimits {
  // Out-of-order bytes held per direction while waiting for the bytes before them.
  size_t max_pending_bytes_per_direction = 8u << 20;
  // Out-of-order bytes held across all connections.
  size_t max_pending_bytes_total = 128u << 20;
  size_t max_connections = 65536;
  // A hole not filled within this time is declared a gap (the kernel lost those bytes).
  uint64_t reorder_window_ns = 200'000'000;
  // Connections without activity for this long are closed with CloseReason::kExpired.
  uint64_t idle_timeout_ns = 600'000'000'000;
};

struct StreamStats {
  uint64_t chunks = 0;
  uint64_t bytes_received = 0;       // payload bytes handed to add()
  uint64_t bytes_delivered = 0;      // bytes passed to StreamSink::on_bytes
  uint64_t duplicate_bytes = 0;      // bytes already delivered or already pending, ignored
  uint64_t out_of_order_chunks = 0;  // chunks that arrived ahead of the next expected position
  uint64_t gaps = 0;                 // holes declared
  uint64_t gap_bytes = 0;            // bytes in those holes
  uint64_t overflow_bytes = 0;       // pending bytes dropped to respect a memory bound
  uint64_t rejected_bytes = 0;       // bytes of corrupt chunks (position past 2^64, bad direction)
  uint64_t connections_opened = 0;
  uint64_t connections_closed = 0;
  uint64_t connections_expired = 0;
  uint64_t connections_evicted = 0;
  uint64_t open_connections = 0;     // current
  uint64_t pending_bytes = 0;        // current, across all connections
};

class StreamTable {
 public:
  explicit StreamTable(StreamSink& sink, StreamLimits limits = {});
  ~StreamTable();
  StreamTable(const StreamTable&) = delete;
  StreamTable& operator=(const StreamTable&) = delete;

  // Records or refreshes what is known of a connection (addresses, role, comm). Fields left
  // empty/zero in `meta` do not overwrite known ones. Creates the connection if it is new.
  void update_meta(const ConnMeta& meta);

  // A chunk of `bytes` starting at byte position `pos` of direction `dir`. Creates the connection
  // if it is new (positions of a new connection start at 0).
  void add(const ConnKey& key, Direction dir, uint64_t pos, uint64_t ts_ns, uint32_t tid,
           std::span<const uint8_t> bytes);

  // The connection ended: pending bytes are delivered (holes become gaps), then on_close.
  void close(const ConnKey& key, CloseReason reason, uint64_t ts_ns);
  // Every connection of process `tgid` ends with CloseReason::kProcessExited.
  void close_process(uint32_t tgid, uint64_t ts_ns);
  // Declares overdue holes as gaps and expires idle connections. Call periodically.
  void tick(uint64_t now_ns);
  // Ends every connection with CloseReason::kShutdown.
  void close_all(uint64_t ts_ns);

  const StreamStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentprof
