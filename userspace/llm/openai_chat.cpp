// OpenAI Chat Completions (POST .../chat/completions) and every server that speaks it: Azure
// OpenAI deployments, OpenRouter, Gemini's OpenAI endpoint, DeepSeek, Groq, Mistral, vLLM,
// llama.cpp, LM Studio, Ollama's /v1. Non-streamed JSON and SSE chunk streams.
#include <string>
#include <vector>

#include "llm/api_decoder.h"
#include "llm/call_builder.h"
#include "llm/json_fields.h"
#include "llm/openai_usage.h"

namespace agentprof {

namespace {

using simdjson::dom::element;

// A streamed tool call is sent as fragments sharing (choice index, tool index); the first
// fragment carries id and name, later ones only argument text.
struct ToolCallFragment {
  int64_t choice = 0;
  int64_t index = 0;
  std::string id;
  std::string name;
};

class OpenAiChatDecoder final : public ApiDecoder {
 public:
  explicit OpenAiChatDecoder(const DecoderOptions& options) : options_(options) {}

  void on_request(const RequestRoute& route, const element* body, LlmCall& call) override {
    // OpenRouter bills in USD credits and reports the charge in usage.cost: that beats a list price.
    wire_cost_trusted_ = route.host == "openrouter.ai";
    call.api = "openai.chat_completions";
    call.operation = "chat";
    call.provider = "openai";
    if (body) {
      if (auto m = json::nonempty_string(*body, "model")) set_string(call.request_model, *m);
      call.stream = json::boolean(*body, "stream").value_or(false);
      call.max_tokens = json::count(*body, "max_completion_tokens");
      if (!call.max_tokens) call.max_tokens = json::count(*body, "max_tokens");
      call.temperature = json::number(*body, "temperature");
      call.top_p = json::number(*body, "top_p");
      if (auto msgs = json::field(*body, "messages")) set_input_messages(call, *msgs, options_);
    }
    // Azure names the deployment in the path; the body usually has no model.
    if (!call.request_model)
      if (auto dep = path_segment_after(route.path, "/deployments/", "/")) call.request_model = *dep;
  }

  bool on_response_value(std::string_view, element value, LlmCall& call) override {
    if (read_openai_error(value, call)) {
      saw_end_ = true;  // an error ends the stream
      return false;
    }
    // Every chunk repeats id and model: look them up only until found.
    if (!call.response_id)
      if (auto id = json::nonempty_string(value, "id")) set_string(call.response_id, *id);
    if (!call.response_model)
      if (auto m = json::nonempty_string(value, "model")) set_string(call.response_model, *m);
    if (auto usage = json::object(value, "usage")) {
      if (read_openai_usage(*usage, usage_)) saw_usage_ = true;
      if (wire_cost_trusted_)
        if (auto cost = json::number(*usage, "cost"); cost && *cost >= 0) call.cost_usd = cost;
    }
    bool output = false;
    if (auto choices = json::array(value, "choices"))
      for (element choice : *choices) output |= on_choice(choice, call);
    return output;
  }

  void finish(LlmCall& call) override {
    finish_reasons_.move_into(call.finish_reasons);
    for (const auto& f : fragments_) add_tool_call(call, f.id, f.name);
    if (saw_usage_) usage_.apply_to(call);
  }

  bool saw_end() const override { return saw_end_ || saw_usage_; }
  bool saw_usage() const override { return saw_usage_; }

 private:
  bool on_choice(element choice, LlmCall& call) {
    int64_t index = json::count(choice, "index").value_or(0);
    if (auto fr = json::nonempty_string(choice, "finish_reason")) {
      finish_reasons_.set(index, *fr);
      saw_end_ = true;
    }
    bool output = false;
    if (auto delta = json::object(choice, "delta")) {
      if (auto text = json::nonempty_string(*delta, "content")) {
        append_output_text(call, *text, options_);
        output = true;
      } else if (json::nonempty_string(*delta, "reasoning_content") || json::nonempty_string(*delta, "reasoning") ||
                 json::nonempty_string(*delta, "refusal")) {
        output = true;
      }
      if (auto tools = json::array(*delta, "tool_calls")) {
        for (element tc : *tools) {
          on_tool_fragment(index, tc);
          output = true;
        }
      }
    }
    if (auto message = json::object(choice, "message")) {
      if (auto text = json::nonempty_string(*message, "content")) {
        append_output_text(call, *text, options_);
        output = true;
      }
      if (auto tools = json::array(*message, "tool_calls")) {
        for (element tc : *tools) {
          std::string_view name;
          if (auto fn = json::object(tc, "function")) name = json::string(*fn, "name").value_or("");
          add_tool_call(call, json::string(tc, "id").value_or(""), name);
          output = true;
        }
      }
    }
    return output;
  }

  void on_tool_fragment(int64_t choice, element tc) {
    int64_t index = json::count(tc, "index").value_or(0);
    ToolCallFragment* frag = nullptr;
    for (auto& f : fragments_)
      if (f.choice == choice && f.index == index) frag = &f;
    if (!frag) {
      if (fragments_.size() >= kMaxToolCalls) return;
      frag = &fragments_.emplace_back();
      frag->choice = choice;
      frag->index = index;
    }
    if (frag->id.empty())
      if (auto id = json::nonempty_string(tc, "id")) frag->id = std::string(id->substr(0, 256));
    if (auto fn = json::object(tc, "function"))
      if (frag->name.empty())
        if (auto name = json::nonempty_string(*fn, "name")) frag->name = std::string(name->substr(0, 256));
  }

  DecoderOptions options_;
  TokenUsage usage_;
  bool saw_usage_ = false;
  bool saw_end_ = false;
  bool wire_cost_trusted_ = false;
  FinishReasonsByIndex finish_reasons_;
  std::vector<ToolCallFragment> fragments_;
};

Claim claim(const RequestRoute& route) {
  return route.method == "POST" && ends_with(route.path, "/chat/completions") ? Claim::kYes : Claim::kNo;
}

std::unique_ptr<ApiDecoder> create(const DecoderOptions& options) {
  return std::make_unique<OpenAiChatDecoder>(options);
}

}  // namespace

const DecoderEntry& openai_chat_decoder() {
  static const DecoderEntry entry{"openai.chat_completions", claim, nullptr, create};
  return entry;
}

}  // namespace agentprof
