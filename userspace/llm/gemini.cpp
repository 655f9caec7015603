// Google Gemini generateContent / streamGenerateContent: the Gemini API
// (generativelanguage.googleapis.com /v1beta|v1/models/{m}:...), Vertex AI
// (/v1/projects/{p}/locations/{l}/publishers/google/models/{m}:...) and Gemini CLI's Code Assist
// endpoint (cloudcode-pa.googleapis.com /v1internal:..., which wraps request and response).
// Streams are SSE with ?alt=sse, else one JSON array growing over time.
#include "llm/api_decoder.h"
#include "llm/call_builder.h"
#include "llm/json_fields.h"

namespace agentprof {

namespace {

using simdjson::dom::element;

bool is_generate(std::string_view path) {
  return ends_with(path, ":generateContent") || ends_with(path, ":streamGenerateContent");
}

class GeminiDecoder final : public ApiDecoder {
 public:
  explicit GeminiDecoder(const DecoderOptions& options) : options_(options) {}

  void on_request(const RequestRoute& route, const element* body, LlmCall& call) override {
    call.api = "gemini.generate_content";
    call.operation = "generate_content";
    call.provider = contains(route.path, "/publishers/google/") ? "gcp.vertex_ai" : "gcp.gemini";
    call.stream = ends_with(route.path, ":streamGenerateContent");
    sse_ = route.query_param("alt") == "sse";
    if (auto m = path_segment_after(route.path, "/models/", "/:")) call.request_model = *m;
    if (!body) return;
    element req = *body;
    // Code Assist: {"model": ..., "project": ..., "request": {GenerateContentRequest}}.
    if (auto inner = json::object(*body, "request")) {
      if (auto m = json::nonempty_string(*body, "model")) set_string(call.request_model, *m);
      req = *inner;
    }
    if (auto cfg = json::object(req, "generationConfig")) {
      call.max_tokens = json::count(*cfg, "maxOutputTokens");
      call.temperature = json::number(*cfg, "temperature");
      call.top_p = json::number(*cfg, "topP");
    }
    if (auto contents = json::field(req, "contents")) set_input_messages(call, *contents, options_);
  }

  BodyFraming on_response_head(const HttpResponseHead& head, LlmCall& call) override {
    BodyFraming f = ApiDecoder::on_response_head(head, call);
    if (f == BodyFraming::kWhole && call.stream && !sse_) return BodyFraming::kJsonArray;
    return f;
  }

  bool on_response_value(std::string_view, element value, LlmCall& call) override {
    simdjson::dom::array items;
    if (value.get_array().get(items) == simdjson::SUCCESS) {  // a whole streamed array, buffered
      bool output = false;
      for (element item : items) output |= on_chunk(item, call);
      return output;
    }
    return on_chunk(value, call);
  }

  void finish(LlmCall& call) override {
    finish_reasons_.move_into(call.finish_reasons);
    if (!saw_usage()) return;
    call.input_tokens = prompt_;
    // Gemini omits zero counts (proto3 JSON): once the response finished, a missing count is 0.
    if (candidates_ || thoughts_ || saw_end_)
      call.output_tokens = candidates_.value_or(0) + thoughts_.value_or(0);  // semconv: incl. thoughts
    call.reasoning_tokens = thoughts_;
    call.cache_read_tokens = cached_;
  }

  bool saw_end() const override { return saw_end_; }
  bool saw_usage() const override { return prompt_ || candidates_ || thoughts_; }

 private:
  bool on_chunk(element chunk, LlmCall& call) {
    if (auto wrapped = json::object(chunk, "response")) chunk = *wrapped;  // Code Assist
    if (auto err = json::object(chunk, "error")) {
      if (auto status = json::nonempty_string(*err, "status")) set_error_type(call, *status);
      else if (auto code = json::count(*err, "code")) set_error_type(call, std::to_string(*code));
      else set_error_type(call, "error");
      saw_end_ = true;
      return false;
    }
    if (auto id = json::nonempty_string(chunk, "responseId")) set_string(call.response_id, *id);
    if (auto m = json::nonempty_string(chunk, "modelVersion")) set_string(call.response_model, *m);
    if (auto u = json::object(chunk, "usageMetadata")) {
      // Each chunk carries the running totals: assign.
      if (auto v = json::count(*u, "promptTokenCount")) prompt_ = v;
      if (auto v = json::count(*u, "candidatesTokenCount")) candidates_ = v;
      if (auto v = json::count(*u, "thoughtsTokenCount")) thoughts_ = v;
      if (auto v = json::count(*u, "cachedContentTokenCount")) cached_ = v;
    }
    // A blocked prompt gets no candidates, only the reason.
    if (auto feedback = json::object(chunk, "promptFeedback"))
      if (auto reason = json::nonempty_string(*feedback, "blockReason")) {
        finish_reasons_.set(0, *reason);
        saw_end_ = true;
      }
    bool output = false;
    if (auto candidates = json::array(chunk, "candidates")) {
      for (element cand : *candidates) {
        int64_t index = json::count(cand, "index").value_or(0);
        if (auto fr = json::nonempty_string(cand, "finishReason")) {
          finish_reasons_.set(index, *fr);
          saw_end_ = true;
        }
        auto content = json::object(cand, "content");
        if (!content) continue;
        auto parts = json::array(*content, "parts");
        if (!parts) continue;
        for (element part : *parts) {
          if (auto fc = json::object(part, "functionCall")) {
            add_tool_call(call, json::string(*fc, "id").value_or(""), json::string(*fc, "name").value_or(""));
            output = true;
          } else if (auto text = json::nonempty_string(part, "text")) {
            if (!json::boolean(part, "thought").value_or(false)) append_output_text(call, *text, options_);
            output = true;
          }
        }
      }
    }
    return output;
  }

  DecoderOptions options_;
  bool sse_ = false;
  bool saw_end_ = false;
  std::optional<int64_t> prompt_, candidates_, thoughts_, cached_;
  FinishReasonsByIndex finish_reasons_;
};

Claim claim(const RequestRoute& route) {
  return route.method == "POST" && is_generate(route.path) ? Claim::kYes : Claim::kNo;
}

std::unique_ptr<ApiDecoder> create(const DecoderOptions& options) {
  return std::make_unique<GeminiDecoder>(options);
}

}  // namespace

const DecoderEntry& gemini_decoder() {
  static const DecoderEntry entry{"gemini.generate_content", claim, nullptr, create};
  return entry;
}

}  // namespace agentprof
