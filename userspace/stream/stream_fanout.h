// Hands the same ordered bytes to several stream consumers (e.g. --raw output and the HTTP parser).
#pragma once

#include <vector>

#include "stream/stream_sink.h"

namespace agentprof {

class StreamFanout : public StreamSink {
 public:
  void add(StreamSink* sink) { sinks_.push_back(sink); }
  void on_bytes(const ConnMeta& conn, Direction dir, uint64_t ts_ns,
                std::span<const uint8_t> bytes) override {
    for (auto* s : sinks_) s->on_bytes(conn, dir, ts_ns, bytes);
  }
  void on_gap(const ConnMeta& conn, Direction dir, uint64_t missing_bytes) override {
    for (auto* s : sinks_) s->on_gap(conn, dir, missing_bytes);
  }
  void on_close(const ConnMeta& conn, CloseReason reason, uint64_t ts_ns) override {
    for (auto* s : sinks_) s->on_close(conn, reason, ts_ns);
  }

 private:
  std::vector<StreamSink*> sinks_;
};

}  // namespace agentprof
