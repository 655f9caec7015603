#include "http/body_decoder.h"

namespace agentprof {

void BodyDecoder::start(const std::vector<std::string>& codings) {
  decoders_.clear();
  delivered_ = 0;
  truncated_ = failed_ = false;
  if (!codings.empty() && !decoders_.init(codings)) {
    failed_ = true;
    ++stats_.unsupported_encodings;
    ++stats_.decode_errors;
  }
}

BodyEnd BodyDecoder::complete_end() {
  if (failed_) return BodyEnd::kMalformed;
  if (truncated_) return BodyEnd::kTruncated;
  if (!decoders_.finished()) {
    ++stats_.decode_errors;  // the compressed stream stopped before its end
    return BodyEnd::kMalformed;
  }
  return BodyEnd::kComplete;
}

}  // namespace agentprof
