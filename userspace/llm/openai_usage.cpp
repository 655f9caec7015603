#include "llm/openai_usage.h"

#include "llm/call_builder.h"
#include "llm/json_fields.h"

namespace agentprof {

bool read_openai_usage(simdjson::dom::element usage, TokenUsage& out) {
  auto in = json::count(usage, "prompt_tokens");
  auto gen = json::count(usage, "completion_tokens");
  if (!in && !gen) return false;
  TokenUsage u;
  u.input = in;
  u.output = gen;
  if (auto d = json::object(usage, "prompt_tokens_details")) u.cache_read = json::count(*d, "cached_tokens");
  if (!u.cache_read) u.cache_read = json::count(usage, "prompt_cache_hit_tokens");  // DeepSeek
  if (auto d = json::object(usage, "completion_tokens_details"))
    u.reasoning = json::count(*d, "reasoning_tokens");
  out = u;
  return true;
}

bool read_responses_usage(simdjson::dom::element usage, TokenUsage& out) {
  auto in = json::count(usage, "input_tokens");
  auto gen = json::count(usage, "output_tokens");
  if (!in && !gen) return false;
  TokenUsage u;
  u.input = in;
  u.output = gen;
  if (auto d = json::object(usage, "input_tokens_details")) u.cache_read = json::count(*d, "cached_tokens");
  if (auto d = json::object(usage, "output_tokens_details"))
    u.reasoning = json::count(*d, "reasoning_tokens");
  out = u;
  return true;
}

bool read_openai_error(simdjson::dom::element value, LlmCall& call) {
  auto err = json::field(value, "error");
  if (!err || err->is_null()) return false;
  if (err->is_string()) {
    set_error_type(call, "error");
    return true;
  }
  if (!err->is_object()) return false;
  // `code` is the specific reason (rate_limit_exceeded, context_length_exceeded); `type` the
  // class (requests, invalid_request_error). Prefer the specific one when present.
  if (auto c = json::nonempty_string(*err, "code")) {
    set_error_type(call, *c);
  } else if (auto t = json::nonempty_string(*err, "type")) {
    set_error_type(call, *t);
  } else if (auto s = json::nonempty_string(*err, "status")) {  // Google-style errors
    set_error_type(call, *s);
  } else {
    set_error_type(call, "error");
  }
  return true;
}

}  // namespace agentprof
