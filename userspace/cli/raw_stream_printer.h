// `agentprof trace --raw`: the reassembled bytes of every connection, as captured.
// Each piece is a header line then exactly `len` raw bytes and a newline:
//   @@ data pid=P tid=T comm=C conn=tls:0x55d0c8:7 dir=egress pos=0 len=N local=A:p remote=B:q
//   @@ gap pid=P conn=... dir=ingress pos=X missing=N
//   @@ close pid=P conn=... reason=closed
// Secrets are masked with '*' (same length) before printing: see raw_redactor.h.
#pragma once

#include <cstdio>
#include <unordered_map>
#include <vector>

#include "cli/raw_redactor.h"
#include "stream/stream_sink.h"

namespace agentprof {

class RawStreamPrinter : public StreamSink {
 public:
  explicit RawStreamPrinter(FILE* out) : out_(out) {}
  void on_bytes(const ConnMeta& conn, Direction dir, uint64_t ts_ns,
                std::span<const uint8_t> bytes) override;
  void on_gap(const ConnMeta& conn, Direction dir, uint64_t missing_bytes) override;
  void on_close(const ConnMeta& conn, CloseReason reason, uint64_t ts_ns) override;

 private:
  FILE* out_;
  struct Positions {
    uint64_t next[2] = {0, 0};
    RawRedactor redactor[2];
  };
  std::unordered_map<ConnKey, Positions, ConnKeyHash> positions_;
  std::vector<uint8_t> masked_;
};

const char* to_string(CloseReason reason);
const char* to_string(Direction dir);

}  // namespace agentprof
