#include "http/h2_body.h"

#include "http/http_framing.h"

namespace agentprof {

void H2Body::start(const HttpHeaders& headers) {
  decoders_.clear();
  delivered_ = 0;
  truncated_ = failed_ = false;
  received_ = 0;
  HttpFraming framing;
  has_length_ = request_framing(headers, framing) && framing.kind == HttpFramingKind::kLength;
  length_ = framing.length;
  const std::vector<std::string> codings = content_codings(headers);
  if (!codings.empty() && !decoders_.init(codings)) {
    failed_ = true;
    ++stats_.unsupported_encodings;
    ++stats_.decode_errors;
  }
}

void H2Body::feed(std::span<const uint8_t> framed, const Deliver& deliver) {
  received_ += framed.size();
  if (has_length_ && received_ > length_ && !failed_) {
    failed_ = true;  // more DATA than content-length announced: a malformed message
    ++stats_.parse_errors;
  }
  if (truncated_ || failed_ || framed.empty()) return;
  deliver_ = &deliver;
  if (decoders_.empty()) {
    consume(framed);
  } else if (decoders_.decode(framed, *this) == DecodeStatus::kError) {
    failed_ = true;
    ++stats_.decode_errors;
  }
  deliver_ = nullptr;
}

bool H2Body::consume(std::span<const uint8_t> decoded) {
  size_t room = max_decoded_bytes_ - delivered_;
  if (decoded.size() > room) {
    decoded = decoded.first(room);
    truncated_ = true;
    ++stats_.truncated_bodies;
  }
  if (!decoded.empty()) {
    delivered_ += decoded.size();
    (*deliver_)(decoded);
  }
  return !truncated_;
}

BodyEnd H2Body::complete_end() {
  if (failed_) return BodyEnd::kMalformed;
  if (truncated_) return BodyEnd::kTruncated;
  if (!decoders_.finished()) {
    ++stats_.decode_errors;  // the compressed stream stopped before its end
    return BodyEnd::kMalformed;
  }
  return BodyEnd::kComplete;
}

}  // namespace agentprof
