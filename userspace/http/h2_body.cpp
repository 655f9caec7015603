#include "http/h2_body.h"

#include "http/http_framing.h"

namespace agentprof {

void H2Body::start(const HttpHeaders& headers) {
  received_ = 0;
  HttpFraming framing;
  has_length_ = request_framing(headers, framing) && framing.kind == HttpFramingKind::kLength;
  length_ = framing.length;
  decoder_.start(content_codings(headers));
}

void H2Body::feed(std::span<const uint8_t> framed, const Deliver& deliver) {
  received_ += framed.size();
  if (has_length_ && received_ > length_ && !decoder_.failed()) {
    ++stats_.parse_errors;  // more DATA than content-length announced: a malformed message
    decoder_.mark_malformed();
  }
  struct Forward final : ByteConsumer {
    explicit Forward(const Deliver& d) : deliver(d) {}
    bool consume(std::span<const uint8_t> decoded) override {
      deliver(decoded);
      return true;
    }
    const Deliver& deliver;
  } forward(deliver);
  decoder_.feed(framed, forward);
}

}  // namespace agentprof
