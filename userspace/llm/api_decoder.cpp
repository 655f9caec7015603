#include "llm/api_decoder.h"

namespace agentprof {

BodyFraming ApiDecoder::on_response_head(const HttpResponseHead& head, LlmCall& call) {
  const std::string* type = head.headers.find("content-type");
  if (!type) return call.stream ? BodyFraming::kSse : BodyFraming::kWhole;
  if (contains(*type, "event-stream")) return BodyFraming::kSse;
  if (contains(*type, "ndjson")) return BodyFraming::kNdjson;
  if (contains(*type, "amazon.eventstream")) return BodyFraming::kAwsEventStream;
  return BodyFraming::kWhole;
}

}  // namespace agentprof
