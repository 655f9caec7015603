// Usage and error objects shared by the OpenAI-style APIs (chat, completions, embeddings,
// responses) and the many servers that copy them.
#pragma once

#include <simdjson.h>

#include "llm/llm_call.h"
#include "llm/token_usage.h"

namespace agentprof {

// Chat/completions/embeddings `usage`: prompt_tokens, completion_tokens, *_details. Returns false
// (and leaves `out` alone) when `usage` is not an object with at least one count.
bool read_openai_usage(simdjson::dom::element usage, TokenUsage& out);
// Responses API `usage`: input_tokens, output_tokens, *_tokens_details.
bool read_responses_usage(simdjson::dom::element usage, TokenUsage& out);
// `{"error": {...}}` or `{"error": "text"}` in `value`: sets error_type and returns true.
bool read_openai_error(simdjson::dom::element value, LlmCall& call);

}  // namespace agentprof
