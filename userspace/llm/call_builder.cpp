#include "llm/call_builder.h"

#include <algorithm>

namespace agentprof {

void append_output_text(LlmCall& call, std::string_view text, const DecoderOptions& options) {
  if (!options.capture_content || text.empty()) return;
  if (!call.output_text) call.output_text.emplace();
  std::string& out = *call.output_text;
  if (out.size() >= options.max_content_bytes) return;
  out.append(text.substr(0, options.max_content_bytes - out.size()));
}

void set_input_messages(LlmCall& call, simdjson::dom::element messages, const DecoderOptions& options) {
  if (!options.capture_content) return;
  std::string text = simdjson::minify(messages);
  if (text.size() > options.max_content_bytes) text.resize(options.max_content_bytes);
  call.input_messages = std::move(text);
}

void add_tool_call(LlmCall& call, std::string_view id, std::string_view name) {
  if (!id.empty()) {
    for (auto& tc : call.tool_calls) {
      if (tc.id == id) {
        if (tc.name.empty()) tc.name = std::string(name);
        return;
      }
    }
  }
  if (call.tool_calls.size() >= kMaxToolCalls) return;
  call.tool_calls.push_back(LlmToolCall{std::string(id), std::string(name)});
}

void set_error_type(LlmCall& call, std::string_view type) {
  if (!call.error_type && !type.empty()) call.error_type = std::string(type.substr(0, 128));
}

void set_string(std::optional<std::string>& target, std::string_view value) {
  if (!target && !value.empty()) target = std::string(value.substr(0, 512));
}

void FinishReasonsByIndex::set(int64_t index, std::string_view reason) {
  if (reason.empty()) return;
  for (auto& [i, r] : reasons_) {
    if (i == index) {
      r = std::string(reason.substr(0, 64));
      return;
    }
  }
  if (reasons_.size() >= kMaxChoices) return;
  reasons_.emplace_back(index, std::string(reason.substr(0, 64)));
}

void FinishReasonsByIndex::move_into(std::vector<std::string>& out) {
  std::stable_sort(reasons_.begin(), reasons_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  out.clear();
  for (auto& [i, r] : reasons_) out.push_back(std::move(r));
  reasons_.clear();
}

}  // namespace agentprof
