// The interface every API-family decoder implements, and how the registry knows which requests a
// decoder claims. A decoder instance lives for one exchange.
#pragma once

#include <simdjson.h>

#include <memory>
#include <string_view>

#include "http/http_message.h"
#include "llm/llm_call.h"
#include "llm/request_route.h"
#include "llm/response_framer.h"

namespace agentprof {

struct DecoderOptions {
  bool capture_content = false;
  size_t max_content_bytes = 64 * 1024;  // cap for input_messages and output_text each
};

class ApiDecoder {
 public:
  virtual ~ApiDecoder() = default;

  // The request is complete. `body` is the parsed request JSON, or null when it was absent,
  // truncated or not JSON. Fills api, operation, provider (family default) and request fields.
  virtual void on_request(const RequestRoute& route, const simdjson::dom::element* body,
                          LlmCall& call) = 0;

  // The response head arrived: how is the body framed? The default reads content-type:
  // event-stream -> SSE, ndjson -> NDJSON, amazon.eventstream -> AWS event stream, json -> whole;
  // no content-type: SSE if streamed.
  virtual BodyFraming on_response_head(const HttpResponseHead& head, LlmCall& call);

  // One JSON value of the response: the whole body, or one stream event (`event` is the SSE event
  // name, if any). Returns true when the value carried output (text, tool call or reasoning
  // deltas): those are the chunks whose count and spacing the stage reports.
  virtual bool on_response_value(std::string_view event, simdjson::dom::element value,
                                 LlmCall& call) = 0;

  // The exchange is over; derive the final fields (usage with semconv meaning, tool calls...).
  virtual void finish(LlmCall& call) = 0;

  // The response reached the API's own end marker (final chunk, message_stop, done:true...).
  virtual bool saw_end() const = 0;
  // Usage was seen on the wire (else a complete response is flagged usage_missing).
  virtual bool saw_usage() const = 0;
};

// How a decoder answers "is this request yours?" from the request head alone.
enum class Claim : uint8_t {
  kNo,
  kYes,
  kIfBody,  // the path is shared with other APIs: decide from the request body
};

struct DecoderEntry {
  std::string_view name;
  Claim (*claim)(const RequestRoute& route);
  // Only asked after kIfBody, with the parsed request body (null if unparsable, e.g. cut at the
  // size cap) and the raw body bytes kept (possibly only their head).
  bool (*claim_body)(const RequestRoute& route, const simdjson::dom::element* body, std::string_view raw);
  std::unique_ptr<ApiDecoder> (*create)(const DecoderOptions& options);
};

}  // namespace agentprof
