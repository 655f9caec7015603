#include "http/h2_frame_reader.h"

#include <algorithm>

namespace agentprof {

namespace {
constexpr size_t kHeaderBytes = 9;
}

bool H2FrameReader::deliver(const uint8_t* p, H2FrameHandler& handler) {
  H2Frame f;
  f.type = p[3];
  f.flags = p[4];
  f.stream_id = (uint32_t(p[5]) << 24 | uint32_t(p[6]) << 16 | uint32_t(p[7]) << 8 | p[8]) & 0x7fffffffu;
  f.payload = std::span<const uint8_t>(p + kHeaderBytes, payload_length(p));
  if (!handler.on_frame(f)) failed_ = true;
  return !failed_;
}

bool H2FrameReader::feed(std::span<const uint8_t> bytes, H2FrameHandler& handler) {
  if (failed_) return false;
  // Complete the buffered frame first: its header, then its payload.
  while (!pending_.empty() && !bytes.empty()) {
    size_t want = kHeaderBytes;
    if (pending_.size() >= kHeaderBytes) want += payload_length(pending_.data());
    size_t take = std::min(want - pending_.size(), bytes.size());
    pending_.insert(pending_.end(), bytes.begin(), bytes.begin() + take);
    bytes = bytes.subspan(take);
    if (pending_.size() == kHeaderBytes && payload_length(pending_.data()) > max_payload_) {
      failed_ = true;
      return false;
    }
    if (pending_.size() >= kHeaderBytes && pending_.size() == kHeaderBytes + payload_length(pending_.data())) {
      bool ok = deliver(pending_.data(), handler);
      pending_.clear();
      if (!ok) return false;
    }
  }
  if (!pending_.empty()) return true;  // still incomplete: every byte went into it
  // Whole frames in place.
  while (bytes.size() >= kHeaderBytes) {
    size_t length = payload_length(bytes.data());
    if (length > max_payload_) {
      failed_ = true;
      return false;
    }
    if (bytes.size() < kHeaderBytes + length) break;
    if (!deliver(bytes.data(), handler)) return false;
    bytes = bytes.subspan(kHeaderBytes + length);
  }
  pending_.assign(bytes.begin(), bytes.end());
  if (pending_.size() >= kHeaderBytes && payload_length(pending_.data()) > max_payload_) {
    failed_ = true;
    return false;
  }
  return true;
}

}  // namespace agentprof
