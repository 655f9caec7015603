// The HTTP/2 half of RawRedactor. Header blocks are HPACK-compressed, so credential headers cannot
// be found by name in the raw bytes; instead, once a direction is recognised as HTTP/2 (the client
// preface, or a server that opens with a SETTINGS frame), the payload of every HEADERS,
// PUSH_PROMISE and CONTINUATION frame is replaced by '*'. Frame headers and DATA stay readable.
#pragma once

#include <cstdint>

namespace agentprof {

class RawH2Masker {
 public:
  // Looks at (and masks) one byte of the direction, in order from its first byte. True when the
  // byte belongs to HTTP/2 (or may still: the start is being recognised); false hands the byte
  // to the HTTP/1 rules.
  bool on_byte(uint8_t& b);

 private:
  enum class Mode : uint8_t { kDeciding, kHttp2, kNot };
  bool frame_byte(uint8_t& b);

  Mode mode_ = Mode::kDeciding;
  uint64_t pos_ = 0;            // bytes seen before the decision
  bool preface_alive_ = true;   // the bytes so far are a prefix of the client preface
  uint8_t head_[9] = {};        // frame header being read
  uint8_t head_len_ = 0;
  uint32_t payload_left_ = 0;   // payload bytes of the current frame still to come
  bool mask_payload_ = false;
};

}  // namespace agentprof
