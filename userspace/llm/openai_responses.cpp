// OpenAI Responses API (POST /v1/responses, Azure /openai/v1/responses, Codex's
// chatgpt.com/backend-api/codex/responses): non-streamed response objects and typed SSE events.
#include "llm/api_decoder.h"
#include "llm/call_builder.h"
#include "llm/json_fields.h"
#include "llm/openai_usage.h"

namespace agentprof {

namespace {

using simdjson::dom::element;

class OpenAiResponsesDecoder final : public ApiDecoder {
 public:
  explicit OpenAiResponsesDecoder(const DecoderOptions& options) : options_(options) {}

  void on_request(const RequestRoute&, const element* body, LlmCall& call) override {
    call.api = "openai.responses";
    call.operation = "chat";
    call.provider = "openai";
    if (!body) return;
    if (auto m = json::nonempty_string(*body, "model")) set_string(call.request_model, *m);
    call.stream = json::boolean(*body, "stream").value_or(false);
    call.max_tokens = json::count(*body, "max_output_tokens");
    call.temperature = json::number(*body, "temperature");
    call.top_p = json::number(*body, "top_p");
    if (auto input = json::field(*body, "input")) set_input_messages(call, *input, options_);
  }

  bool on_response_value(std::string_view, element value, LlmCall& call) override {
    std::string_view type = json::string(value, "type").value_or("");
    if (type.empty()) {
      // Non-streamed: the response object itself (or an error body).
      if (read_openai_error(value, call) && !json::field(value, "object")) {
        saw_end_ = true;
        return false;
      }
      on_response_object(value, call);
      return false;
    }
    if (type == "response.output_text.delta" || type == "response.refusal.delta") {
      if (auto d = json::string(value, "delta")) append_output_text(call, *d, options_);
      return true;
    }
    if (type == "response.function_call_arguments.delta" || type.starts_with("response.reasoning"))
      return type.ends_with(".delta");
    if (type == "response.output_item.added" || type == "response.output_item.done") {
      if (auto item = json::object(value, "item")) on_output_item(*item, call, /*with_text=*/false);
      return false;
    }
    if (type == "response.created" || type == "response.in_progress" || type == "response.completed" ||
        type == "response.incomplete" || type == "response.failed") {
      if (auto r = json::object(value, "response")) on_response_object(*r, call);
      return false;
    }
    if (type == "error") {
      // {"type":"error","code":...,"message":...} or with a nested "error" object.
      if (auto code = json::nonempty_string(value, "code")) set_error_type(call, *code);
      else if (!read_openai_error(value, call)) set_error_type(call, "error");
      saw_end_ = true;
    }
    return false;
  }

  void finish(LlmCall& call) override {
    if (saw_usage_) usage_.apply_to(call);
  }

  bool saw_end() const override { return saw_end_; }
  bool saw_usage() const override { return saw_usage_; }

 private:
  void on_response_object(element r, LlmCall& call) {
    if (auto id = json::nonempty_string(r, "id")) set_string(call.response_id, *id);
    if (auto m = json::nonempty_string(r, "model")) set_string(call.response_model, *m);
    std::string_view status = json::string(r, "status").value_or("");
    if (status == "completed" || status == "incomplete" || status == "failed" || status == "cancelled") {
      saw_end_ = true;
      std::string_view reason = status;
      if (auto details = json::object(r, "incomplete_details"))
        if (auto why = json::nonempty_string(*details, "reason")) reason = *why;
      call.finish_reasons.assign(1, std::string(reason));
    }
    if (auto err = json::object(r, "error")) {
      if (auto code = json::nonempty_string(*err, "code")) set_error_type(call, *code);
      else if (auto t = json::nonempty_string(*err, "type")) set_error_type(call, *t);
      else set_error_type(call, "error");
    }
    if (auto usage = json::object(r, "usage"))
      if (read_responses_usage(*usage, usage_)) saw_usage_ = true;
    // Streams already delivered the text as deltas; the final object repeats it.
    bool with_text = !call.stream;
    if (auto output = json::array(r, "output"))
      for (element item : *output) on_output_item(item, call, with_text);
  }

  void on_output_item(element item, LlmCall& call, bool with_text) {
    std::string_view type = json::string(item, "type").value_or("");
    if (type == "function_call" || type == "custom_tool_call") {
      auto id = json::string(item, "call_id");
      if (!id) id = json::string(item, "id");
      add_tool_call(call, id.value_or(""), json::string(item, "name").value_or(""));
    } else if (type == "message" && with_text) {
      if (auto content = json::array(item, "content"))
        for (element part : *content)
          if (json::string(part, "type") == "output_text")
            append_output_text(call, json::string(part, "text").value_or(""), options_);
    }
  }

  DecoderOptions options_;
  TokenUsage usage_;
  bool saw_usage_ = false;
  bool saw_end_ = false;
};

Claim claim(const RequestRoute& route) {
  if (route.method != "POST" || !ends_with(route.path, "/responses")) return Claim::kNo;
  // A bare ".../responses" is too generic a name: require an OpenAI-shaped prefix.
  const std::string& p = route.path;
  if (ends_with(p, "/v1/responses") || ends_with(p, "/codex/responses") || ends_with(p, "/openai/responses"))
    return Claim::kYes;
  return Claim::kNo;
}

std::unique_ptr<ApiDecoder> create(const DecoderOptions& options) {
  return std::make_unique<OpenAiResponsesDecoder>(options);
}

}  // namespace

const DecoderEntry& openai_responses_decoder() {
  static const DecoderEntry entry{"openai.responses", claim, nullptr, create};
  return entry;
}

}  // namespace agentprof
