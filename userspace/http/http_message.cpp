#include "http/http_message.h"

namespace agentprof {

const char* to_string(BodyEnd end) {
  switch (end) {
    case BodyEnd::kComplete: return "complete";
    case BodyEnd::kClosed: return "closed";
    case BodyEnd::kGap: return "gap";
    case BodyEnd::kTruncated: return "truncated";
    case BodyEnd::kMalformed: return "malformed";
  }
  return "unknown";
}

}  // namespace agentprof
