// The decoded body of one message: undoes its content codings, caps what is handed on at
// `max_decoded_bytes` (how decompression bombs are bounded), and says how complete it ended. Shared
// by HTTP/1 (MessageParser) and HTTP/2 (H2Body); each keeps its own framing.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "http/content_decoder.h"
#include "http/http_message.h"
#include "http/http_stats.h"

namespace agentprof {

class BodyDecoder final : private ByteConsumer {
 public:
  BodyDecoder(size_t max_decoded_bytes, HttpStats& stats) : max_decoded_bytes_(max_decoded_bytes), stats_(stats) {}

  // A body starts, with its codings in the order applied. An unsupported one is counted and the
  // body is not handed on (it ends kMalformed).
  void start(const std::vector<std::string>& codings);
  // Framed (still coded) bytes; decoded ones go to `out` until the cap.
  void feed(std::span<const uint8_t> framed, ByteConsumer& out);
  // The framing found the message broken (e.g. more bytes than announced): nothing more is handed
  // on and it ends kMalformed.
  void mark_malformed() { failed_ = true; }
  bool failed() const { return failed_; }
  // For a body whose framing delimited it completely: kComplete, else kTruncated or kMalformed.
  BodyEnd complete_end();

 private:
  bool consume(std::span<const uint8_t> decoded) override;

  const size_t max_decoded_bytes_;
  HttpStats& stats_;
  ContentDecoderChain decoders_;
  ByteConsumer* out_ = nullptr;  // during feed()
  size_t delivered_ = 0;
  bool truncated_ = false;
  bool failed_ = false;
};

// feed() and consume() run for every piece of every body: inline, so HTTP/1 and HTTP/2 bodies pay
// no call beyond handing the bytes on.
inline void BodyDecoder::feed(std::span<const uint8_t> framed, ByteConsumer& out) {
  if (truncated_ || failed_ || framed.empty()) return;
  out_ = &out;
  if (decoders_.empty()) {
    consume(framed);
  } else if (decoders_.decode(framed, *this) == DecodeStatus::kError) {
    failed_ = true;
    ++stats_.decode_errors;
  }
  out_ = nullptr;
}

inline bool BodyDecoder::consume(std::span<const uint8_t> decoded) {
  size_t room = max_decoded_bytes_ - delivered_;
  if (decoded.size() > room) {
    decoded = decoded.first(room);
    truncated_ = true;
    ++stats_.truncated_bodies;
  }
  if (!decoded.empty()) {
    delivered_ += decoded.size();
    out_->consume(decoded);
  }
  return !truncated_;
}

}  // namespace agentprof
