// The API-family decoders the llm stage knows, and how one is chosen for a request.
#pragma once

#include <simdjson.h>

#include <span>

#include "llm/api_decoder.h"

namespace agentprof {

// Every known decoder, in priority order.
std::span<const DecoderEntry> decoder_registry();

// What the request head says about a request.
struct HeadMatch {
  const DecoderEntry* decoder = nullptr;  // claimed outright
  bool needs_body = false;                // some decoder may claim it once the body is known
  bool is_llm() const { return decoder || needs_body; }
};
HeadMatch match_head(const RequestRoute& route);
// Decides a kIfBody request from its body (parsed: null when unparsable; raw: the bytes kept);
// nullptr: not an LLM call.
const DecoderEntry* match_body(const RequestRoute& route, const simdjson::dom::element* body, std::string_view raw);

}  // namespace agentprof
