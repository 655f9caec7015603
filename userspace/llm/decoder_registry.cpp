#include "llm/decoder_registry.h"

namespace agentprof {

// Adding an API family: write its decoder file defining `const DecoderEntry& <name>_decoder()`,
// then add one X(<name>) line here. Earlier entries win when several claim a request.
#define AGENTPROF_LLM_DECODERS(X) \
  X(openai_chat)                  \
  X(openai_responses)             \
  X(openai_embeddings)            \
  X(openai_completions)           \
  X(anthropic_messages)           \
  X(gemini)                       \
  X(ollama)

#define AGENTPROF_DECLARE(name) const DecoderEntry& name##_decoder();
AGENTPROF_LLM_DECODERS(AGENTPROF_DECLARE)
#undef AGENTPROF_DECLARE

std::span<const DecoderEntry> decoder_registry() {
#define AGENTPROF_ENTRY(name) name##_decoder(),
  static const DecoderEntry kEntries[] = {AGENTPROF_LLM_DECODERS(AGENTPROF_ENTRY)};
#undef AGENTPROF_ENTRY
  return kEntries;
}

HeadMatch match_head(const RequestRoute& route) {
  HeadMatch m;
  for (const DecoderEntry& e : decoder_registry()) {
    Claim c = e.claim(route);
    if (c == Claim::kYes) {
      m.decoder = &e;
      m.needs_body = false;
      return m;
    }
    if (c == Claim::kIfBody) m.needs_body = true;
  }
  return m;
}

const DecoderEntry* match_body(const RequestRoute& route, const simdjson::dom::element* body, std::string_view raw) {
  for (const DecoderEntry& e : decoder_registry())
    if (e.claim(route) == Claim::kIfBody && e.claim_body && e.claim_body(route, body, raw)) return &e;
  return nullptr;
}

}  // namespace agentprof
