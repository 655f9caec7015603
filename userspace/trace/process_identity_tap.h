// Sits in front of the HTTP stage and tells ContainerAttributes when a connection starts, while
// its process is certainly alive, so the process's container is known before any span of it ends.
#pragma once

#include <unordered_set>

#include "stream/stream_sink.h"
#include "trace/container_attributes.h"

namespace agentprof {

class ProcessIdentityTap : public StreamSink {
 public:
  ProcessIdentityTap(StreamSink& next, ContainerAttributes& containers) : next_(next), containers_(containers) {}
  void on_bytes(const ConnMeta& conn, Direction dir, uint64_t ts_ns, std::span<const uint8_t> bytes) override;
  void on_gap(const ConnMeta& conn, Direction dir, uint64_t missing_bytes) override;
  void on_close(const ConnMeta& conn, CloseReason reason, uint64_t ts_ns) override;

 private:
  StreamSink& next_;
  ContainerAttributes& containers_;
  // Connections already reported. The stream stage bounds live connections; this set is bounded
  // again so a stage that forgot to close some cannot grow it for good.
  std::unordered_set<ConnKey, ConnKeyHash> seen_;
};

}  // namespace agentprof
