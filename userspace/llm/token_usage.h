// Token counts as read from the wire, before they are written into an LlmCall.
#pragma once

#include <cstdint>
#include <optional>

#include "llm/llm_call.h"

namespace agentprof {

struct TokenUsage {
  std::optional<int64_t> input;           // semconv meaning: includes cached tokens
  std::optional<int64_t> output;          // semconv meaning: includes reasoning tokens
  std::optional<int64_t> cache_read;
  std::optional<int64_t> cache_creation;
  std::optional<int64_t> reasoning;

  bool any() const { return input || output; }
  void apply_to(LlmCall& call) const {
    call.input_tokens = input;
    call.output_tokens = output;
    call.cache_read_tokens = cache_read;
    call.cache_creation_tokens = cache_creation;
    call.reasoning_tokens = reasoning;
  }
};

}  // namespace agentprof
