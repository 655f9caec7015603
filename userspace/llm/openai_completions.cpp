// OpenAI legacy Completions (POST .../v1/completions): text_completion, non-streamed and SSE.
#include "llm/api_decoder.h"
#include "llm/call_builder.h"
#include "llm/json_fields.h"
#include "llm/openai_usage.h"

namespace agentprof {

namespace {

using simdjson::dom::element;

class OpenAiCompletionsDecoder final : public ApiDecoder {
 public:
  explicit OpenAiCompletionsDecoder(const DecoderOptions& options) : options_(options) {}

  void on_request(const RequestRoute& route, const element* body, LlmCall& call) override {
    call.api = "openai.completions";
    call.operation = "text_completion";
    call.provider = "openai";
    if (body) {
      if (auto m = json::nonempty_string(*body, "model")) set_string(call.request_model, *m);
      call.stream = json::boolean(*body, "stream").value_or(false);
      call.max_tokens = json::count(*body, "max_tokens");
      call.temperature = json::number(*body, "temperature");
      call.top_p = json::number(*body, "top_p");
      if (auto prompt = json::field(*body, "prompt")) set_input_messages(call, *prompt, options_);
    }
    if (!call.request_model)
      if (auto dep = path_segment_after(route.path, "/deployments/", "/")) call.request_model = *dep;
  }

  bool on_response_value(std::string_view, element value, LlmCall& call) override {
    if (read_openai_error(value, call)) {
      saw_end_ = true;
      return false;
    }
    if (auto id = json::nonempty_string(value, "id")) set_string(call.response_id, *id);
    if (auto m = json::nonempty_string(value, "model")) set_string(call.response_model, *m);
    if (auto usage = json::object(value, "usage"))
      if (read_openai_usage(*usage, usage_)) saw_usage_ = true;
    bool output = false;
    if (auto choices = json::array(value, "choices")) {
      for (element choice : *choices) {
        int64_t index = json::count(choice, "index").value_or(0);
        if (auto fr = json::nonempty_string(choice, "finish_reason")) {
          finish_reasons_.set(index, *fr);
          saw_end_ = true;
        }
        if (auto text = json::nonempty_string(choice, "text")) {
          append_output_text(call, *text, options_);
          output = true;
        }
      }
    }
    return output;
  }

  void finish(LlmCall& call) override {
    finish_reasons_.move_into(call.finish_reasons);
    if (saw_usage_) usage_.apply_to(call);
  }

  bool saw_end() const override { return saw_end_ || saw_usage_; }
  bool saw_usage() const override { return saw_usage_; }

 private:
  DecoderOptions options_;
  TokenUsage usage_;
  bool saw_usage_ = false;
  bool saw_end_ = false;
  FinishReasonsByIndex finish_reasons_;
};

Claim claim(const RequestRoute& route) {
  if (route.method != "POST" || !ends_with(route.path, "/completions")) return Claim::kNo;
  if (ends_with(route.path, "/chat/completions")) return Claim::kNo;
  return Claim::kYes;
}

std::unique_ptr<ApiDecoder> create(const DecoderOptions& options) {
  return std::make_unique<OpenAiCompletionsDecoder>(options);
}

}  // namespace

const DecoderEntry& openai_completions_decoder() {
  static const DecoderEntry entry{"openai.completions", claim, nullptr, create};
  return entry;
}

}  // namespace agentprof
