// The body of one HTTP/2 message: DATA frame payloads through a BodyDecoder, plus the message's
// content-length — a body whose DATA reached it is complete even if END_STREAM never shows (a
// client that read the announced bytes may close before the peer's final empty DATA frame).
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "http/body_decoder.h"
#include "http/http_message.h"
#include "http/http_stats.h"

namespace agentprof {

class H2Body {
 public:
  using Deliver = std::function<void(std::span<const uint8_t> decoded)>;

  H2Body(size_t max_decoded_bytes, HttpStats& stats) : decoder_(max_decoded_bytes, stats), stats_(stats) {}

  // The message's head: its codings and content-length.
  void start(const HttpHeaders& headers);
  void feed(std::span<const uint8_t> framed, const Deliver& deliver);
  bool length_reached() const { return has_length_ && received_ >= length_; }
  // How a body that ended (END_STREAM or its length) ended: complete, or truncated / malformed.
  BodyEnd complete_end() { return decoder_.complete_end(); }

 private:
  BodyDecoder decoder_;
  HttpStats& stats_;
  bool has_length_ = false;
  uint64_t length_ = 0;
  uint64_t received_ = 0;  // DATA payload bytes, before content decoding
};

}  // namespace agentprof
