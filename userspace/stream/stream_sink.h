// What the stream stage hands to the next stage: ordered bytes per connection direction.
#pragma once

#include <cstdint>
#include <span>

#include "common/connection.h"

namespace agentprof {

enum class CloseReason : uint8_t {
  kClosed = 0,         // the process closed the connection (close, SSL_free, SSL_shutdown)
  kProcessExited = 1,  // the process exited with the connection open
  kExpired = 2,        // idle longer than the configured timeout
  kEvicted = 3,        // removed to respect the connection-count or memory bound
  kShutdown = 4,       // agentprof is stopping
};

class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Contiguous in-order bytes of one direction. ts_ns is the CLOCK_MONOTONIC capture time of the
  // chunk the bytes arrived in. `conn` carries the freshest metadata known for the connection.
  virtual void on_bytes(const ConnMeta& conn, Direction dir, uint64_t ts_ns,
                        std::span<const uint8_t> bytes) = 0;
  // `missing_bytes` bytes of this direction will never arrive (lost in the kernel or dropped to
  // respect a bound). The consumer must resynchronise: the next on_bytes follows the hole.
  virtual void on_gap(const ConnMeta& conn, Direction dir, uint64_t missing_bytes) = 0;
  // The connection ended. No further calls for this key.
  virtual void on_close(const ConnMeta& conn, CloseReason reason, uint64_t ts_ns) = 0;
};

}  // namespace agentprof
