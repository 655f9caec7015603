// Helpers decoders share to fill an LlmCall consistently and within bounds.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "llm/api_decoder.h"
#include "llm/llm_call.h"

namespace agentprof {

inline constexpr size_t kMaxToolCalls = 256;
inline constexpr size_t kMaxChoices = 64;

// Appends streamed or final output text when content capture is on, up to the cap.
void append_output_text(LlmCall& call, std::string_view text, const DecoderOptions& options);
// Stores the request's messages/input/contents as JSON text when content capture is on (capped:
// text past the cap is cut, so a capped value may not be valid JSON).
void set_input_messages(LlmCall& call, simdjson::dom::element messages, const DecoderOptions& options);
// Adds a tool call, or completes the one with the same non-empty id.
void add_tool_call(LlmCall& call, std::string_view id, std::string_view name);
// Keeps the first provider error type seen (a later generic status does not replace it).
void set_error_type(LlmCall& call, std::string_view type);
void set_string(std::optional<std::string>& target, std::string_view value);  // if non-empty and unset

// Finish reasons per choice/candidate index; the last one seen for an index wins.
class FinishReasonsByIndex {
 public:
  void set(int64_t index, std::string_view reason);
  bool empty() const { return reasons_.empty(); }
  void move_into(std::vector<std::string>& out);  // ordered by index

 private:
  std::vector<std::pair<int64_t, std::string>> reasons_;
};

}  // namespace agentprof
