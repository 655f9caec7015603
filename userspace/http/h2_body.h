// The body of one HTTP/2 message: DATA frame payloads are content-decoded (content-encoding) and
// capped, the way MessageParser does for HTTP/1 bodies, and the end says how complete it was.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "http/content_decoder.h"
#include "http/http_message.h"
#include "http/http_stats.h"

namespace agentprof {

class H2Body final : private ByteConsumer {
 public:
  using Deliver = std::function<void(std::span<const uint8_t> decoded)>;

  H2Body(size_t max_decoded_bytes, HttpStats& stats) : max_decoded_bytes_(max_decoded_bytes), stats_(stats) {}

  // The message's head: its codings, and its content-length when it has one — a body whose DATA
  // reached that length is complete even if END_STREAM never shows (a client that read the
  // announced bytes may close before the peer's final empty DATA frame).
  void start(const HttpHeaders& headers);
  void feed(std::span<const uint8_t> framed, const Deliver& deliver);
  bool length_reached() const { return has_length_ && received_ >= length_; }
  // How a body that ended with END_STREAM ended: complete, or truncated / malformed.
  BodyEnd complete_end();

 private:
  bool consume(std::span<const uint8_t> decoded) override;

  size_t max_decoded_bytes_;
  HttpStats& stats_;
  ContentDecoderChain decoders_;
  const Deliver* deliver_ = nullptr;  // during feed()
  size_t delivered_ = 0;
  bool has_length_ = false;
  uint64_t length_ = 0;
  uint64_t received_ = 0;  // DATA payload bytes, before content decoding
  bool truncated_ = false;
  bool failed_ = false;
};

}  // namespace agentprof
