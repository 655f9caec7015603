// Splits one direction of an HTTP/2 connection into frames (RFC 9113 section 4.1): a 9-byte header
// (24-bit length, type, flags, 31-bit stream id) and the payload. Frames that arrive whole in one
// chunk are handed on in place; only a frame split across chunks is buffered.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace agentprof {

struct H2Frame {
  uint8_t type = 0;
  uint8_t flags = 0;
  uint32_t stream_id = 0;
  std::span<const uint8_t> payload;
};

class H2FrameHandler {
 public:
  // Returns false to stop reading (the connection can no longer be decoded).
  virtual bool on_frame(const H2Frame& frame) = 0;

 protected:
  ~H2FrameHandler() = default;
};

class H2FrameReader {
 public:
  // Frames longer than `max_payload` (at most 2^24 - 1 on the wire) are an error: the reader
  // stops rather than buffer them.
  explicit H2FrameReader(size_t max_payload) : max_payload_(max_payload) {}
  // The receiver announced a larger SETTINGS_MAX_FRAME_SIZE.
  void set_max_payload(size_t max_payload) { max_payload_ = max_payload; }

  // False once a frame was too long or the handler asked to stop; later calls do nothing.
  bool feed(std::span<const uint8_t> bytes, H2FrameHandler& handler);
  bool failed() const { return failed_; }
  size_t buffered() const { return pending_.size(); }

 private:
  // Length of the frame whose header starts at `p` (at least 9 bytes available).
  static size_t payload_length(const uint8_t* p) { return size_t(p[0]) << 16 | size_t(p[1]) << 8 | p[2]; }
  bool deliver(const uint8_t* frame, H2FrameHandler& handler);

  size_t max_payload_;
  bool failed_ = false;
  std::vector<uint8_t> pending_;  // the start of a frame not yet complete
};

}  // namespace agentprof
