// Drives an HttpStage for one connection the way the stream stage would.
#pragma once

#include <string>
#include <string_view>

#include "http/http_stage.h"
#include "recording_exchange_sink.h"

namespace agentprof::test {

inline std::span<const uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

struct StageHarness {
  explicit StageHarness(HttpLimits limits = {}, Role role = Role::kClient) : stage(sink, limits) {
    meta.key = ConnKey{4242, Transport::kTls, 0xABCD, 1};
    meta.role = role;
    meta.comm = "python3";
  }
  // Client role: egress carries requests.
  void send(std::string_view s, uint64_t ts = 1) { stage.on_bytes(meta, Direction::kEgress, ts, as_bytes(s)); }
  void recv(std::string_view s, uint64_t ts = 2) { stage.on_bytes(meta, Direction::kIngress, ts, as_bytes(s)); }
  void gap(Direction d, uint64_t missing = 100) { stage.on_gap(meta, d, missing); }
  void close(uint64_t ts = 99) { stage.on_close(meta, CloseReason::kClosed, ts); }

  RecordingExchangeSink sink;
  HttpStage stage;
  ConnMeta meta;
};

}  // namespace agentprof::test
