// Ollama's native API (/api/chat, /api/generate, usually :11434 over plaintext HTTP): NDJSON
// streams (the default) and stream:false JSON. Counts come on the final done:true object.
#include <string>

#include "llm/api_decoder.h"
#include "llm/call_builder.h"
#include "llm/json_fields.h"

namespace agentprof {

namespace {

using simdjson::dom::element;

class OllamaDecoder final : public ApiDecoder {
 public:
  explicit OllamaDecoder(const DecoderOptions& options) : options_(options) {}

  void on_request(const RequestRoute& route, const element* body, LlmCall& call) override {
    chat_ = route.path == "/api/chat";
    call.api = chat_ ? "ollama.chat" : "ollama.generate";
    call.operation = chat_ ? "chat" : "text_completion";
    call.provider = "ollama";
    call.stream = true;  // Ollama streams unless told otherwise
    if (!body) return;
    if (auto m = json::nonempty_string(*body, "model")) set_string(call.request_model, *m);
    if (auto s = json::boolean(*body, "stream")) call.stream = *s;
    if (auto opts = json::object(*body, "options")) {
      call.max_tokens = json::count(*opts, "num_predict");
      call.temperature = json::number(*opts, "temperature");
      call.top_p = json::number(*opts, "top_p");
    }
    if (auto input = json::field(*body, chat_ ? "messages" : "prompt")) set_input_messages(call, *input, options_);
  }

  BodyFraming on_response_head(const HttpResponseHead& head, LlmCall& call) override {
    BodyFraming f = ApiDecoder::on_response_head(head, call);
    // Older servers label NDJSON streams application/json: lines still frame it correctly.
    if (f == BodyFraming::kWhole && call.stream && head.status < 300) return BodyFraming::kNdjson;
    return f;
  }

  bool on_response_value(std::string_view, element value, LlmCall& call) override {
    if (auto err = json::field(value, "error"); err && !err->is_null()) {
      // Ollama errors are free text, no type: report the status, or "error" mid-stream.
      bool http_error = call.status_code && *call.status_code >= 400;
      set_error_type(call, http_error ? std::to_string(*call.status_code) : std::string("error"));
      saw_end_ = true;
      return false;
    }
    if (auto m = json::nonempty_string(value, "model")) set_string(call.response_model, *m);
    bool output = false;
    if (auto msg = json::object(value, "message")) {
      if (auto text = json::nonempty_string(*msg, "content")) {
        append_output_text(call, *text, options_);
        output = true;
      }
      if (json::nonempty_string(*msg, "thinking")) output = true;
      if (auto tools = json::array(*msg, "tool_calls")) {
        for (element tc : *tools) {
          std::string_view name;
          if (auto fn = json::object(tc, "function")) name = json::string(*fn, "name").value_or("");
          add_tool_call(call, json::string(tc, "id").value_or(""), name);
          output = true;
        }
      }
    }
    if (auto text = json::nonempty_string(value, "response")) {
      append_output_text(call, *text, options_);
      output = true;
    }
    if (json::nonempty_string(value, "thinking")) output = true;
    if (json::boolean(value, "done").value_or(false)) {
      saw_end_ = true;
      if (auto reason = json::nonempty_string(value, "done_reason")) call.finish_reasons.assign(1, std::string(*reason));
      // Ollama omits zero counts (Go omitempty; e.g. a fully cached prompt): on the final object a
      // missing count is 0, but only if the object reports counts at all.
      auto in = json::count(value, "prompt_eval_count");
      auto out = json::count(value, "eval_count");
      if (in || out) {
        input_ = in.value_or(0);
        output_ = out.value_or(0);
      }
    }
    return output;
  }

  void finish(LlmCall& call) override {
    call.input_tokens = input_;
    call.output_tokens = output_;
  }

  bool saw_end() const override { return saw_end_; }
  bool saw_usage() const override { return input_ || output_; }

 private:
  DecoderOptions options_;
  bool chat_ = false;
  bool saw_end_ = false;
  std::optional<int64_t> input_, output_;
};

Claim claim(const RequestRoute& route) {
  if (route.method != "POST") return Claim::kNo;
  return route.path == "/api/chat" || route.path == "/api/generate" ? Claim::kYes : Claim::kNo;
}

std::unique_ptr<ApiDecoder> create(const DecoderOptions& options) {
  return std::make_unique<OllamaDecoder>(options);
}

}  // namespace

const DecoderEntry& ollama_decoder() {
  static const DecoderEntry entry{"ollama", claim, nullptr, create};
  return entry;
}

}  // namespace agentprof
