#include "cli/raw_h2_masker.h"

#include <string_view>

namespace agentprof {

namespace {

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
constexpr uint8_t kHeaders = 1, kSettings = 4, kPushPromise = 5, kContinuation = 9;

uint32_t length_of(const uint8_t* h) { return uint32_t(h[0]) << 16 | uint32_t(h[1]) << 8 | h[2]; }

// A server's first frame: SETTINGS on stream 0, no flags but ACK, whole 6-byte entries.
bool opening_settings(const uint8_t* h) {
  return h[3] == kSettings && (h[4] & ~1u) == 0 && (h[5] | h[6] | h[7] | h[8]) == 0 &&
         length_of(h) % 6 == 0 && length_of(h) <= 16384;
}

}  // namespace

bool RawH2Masker::on_byte(uint8_t& b) {
  if (mode_ == Mode::kNot) return false;
  if (mode_ == Mode::kHttp2) return frame_byte(b);
  // Deciding: the first bytes are either the client preface or a server's SETTINGS frame header.
  // Until decided they also go through the HTTP/1 rules (false), which is what they are if neither.
  if (preface_alive_ && (pos_ >= kPreface.size() || uint8_t(kPreface[pos_]) != b)) preface_alive_ = false;
  if (pos_ < sizeof head_) head_[pos_] = b;
  pos_++;
  if (preface_alive_) {
    if (pos_ == kPreface.size()) {
      mode_ = Mode::kHttp2;
      head_len_ = 0;
    }
  } else if (pos_ == sizeof head_ && opening_settings(head_)) {
    mode_ = Mode::kHttp2;  // the SETTINGS payload follows, unmasked
    payload_left_ = length_of(head_);
    head_len_ = payload_left_ == 0 ? 0 : sizeof head_;
    mask_payload_ = false;
  } else if (pos_ >= sizeof head_) {
    mode_ = Mode::kNot;
  }
  return false;
}

bool RawH2Masker::frame_byte(uint8_t& b) {
  if (head_len_ < sizeof head_) {
    head_[head_len_++] = b;
    if (head_len_ == sizeof head_) {
      payload_left_ = length_of(head_);
      uint8_t type = head_[3];
      mask_payload_ = type == kHeaders || type == kPushPromise || type == kContinuation;
      if (payload_left_ == 0) head_len_ = 0;
    }
    return true;
  }
  if (mask_payload_) b = '*';
  if (--payload_left_ == 0) head_len_ = 0;
  return true;
}

}  // namespace agentprof
