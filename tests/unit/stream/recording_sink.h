// Test sink: records every StreamSink call, and per connection direction the delivered text with
// holes shown as '#' characters (one per missing byte, for small gaps) so tests compare strings.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "stream/stream_sink.h"

namespace agentprof::test {

struct SinkEvent {
  enum Kind { kBytes, kGap, kClose } kind;
  ConnMeta meta;
  Direction dir = Direction::kEgress;
  uint64_t ts_ns = 0;
  std::string bytes;
  uint64_t missing = 0;
  CloseReason reason = CloseReason::kClosed;
};

class RecordingSink : public StreamSink {
 public:
  void on_bytes(const ConnMeta& conn, Direction dir, uint64_t ts_ns,
                std::span<const uint8_t> bytes) override {
    std::string text(bytes.begin(), bytes.end());
    events.push_back({SinkEvent::kBytes, conn, dir, ts_ns, text, 0, CloseReason::kClosed});
    text_of(conn.key, dir) += text;
    last_span_data = bytes.data();
  }
  void on_gap(const ConnMeta& conn, Direction dir, uint64_t missing_bytes) override {
    events.push_back({SinkEvent::kGap, conn, dir, 0, {}, missing_bytes, CloseReason::kClosed});
    text_of(conn.key, dir) += missing_bytes <= 64 ? std::string(missing_bytes, '#') : std::string("<big gap>");
  }
  void on_close(const ConnMeta& conn, CloseReason reason, uint64_t ts_ns) override {
    events.push_back({SinkEvent::kClose, conn, Direction::kEgress, ts_ns, {}, 0, reason});
  }

  std::string& text_of(const ConnKey& key, Direction dir) {
    return texts[{key.tgid, uint8_t(key.transport), key.id, key.generation, uint8_t(dir)}];
  }
  std::vector<SinkEvent> of_kind(SinkEvent::Kind kind) const {
    std::vector<SinkEvent> out;
    for (const SinkEvent& e : events)
      if (e.kind == kind) out.push_back(e);
    return out;
  }

  std::vector<SinkEvent> events;
  std::map<std::tuple<uint32_t, uint8_t, uint64_t, uint64_t, uint8_t>, std::string> texts;
  const uint8_t* last_span_data = nullptr;
};

inline std::span<const uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace agentprof::test
