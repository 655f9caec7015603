// gen_ai.provider.name from the server a request went to.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "llm/request_route.h"

namespace agentprof {

// The provider a well-known host (or Ollama's default port) identifies, or nullopt for unknown
// hosts. Callers fall back to their API family's provider: an OpenAI-compatible server on an
// unknown host (vLLM, llama.cpp, LM Studio, a gateway) is reported as "openai", the API it speaks,
// because semconv has no "unknown" provider and the family is the best fact we have.
std::optional<std::string_view> provider_for_host(const RequestRoute& route);

}  // namespace agentprof
