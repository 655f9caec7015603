// OpenAI Embeddings (POST .../embeddings): input tokens only; embeddings produce no output tokens.
#include "llm/api_decoder.h"
#include "llm/call_builder.h"
#include "llm/json_fields.h"
#include "llm/openai_usage.h"

namespace agentprof {

namespace {

using simdjson::dom::element;

class OpenAiEmbeddingsDecoder final : public ApiDecoder {
 public:
  explicit OpenAiEmbeddingsDecoder(const DecoderOptions& options) : options_(options) {}

  void on_request(const RequestRoute& route, const element* body, LlmCall& call) override {
    call.api = "openai.embeddings";
    call.operation = "embeddings";
    call.provider = "openai";
    if (body) {
      if (auto m = json::nonempty_string(*body, "model")) set_string(call.request_model, *m);
      if (auto input = json::field(*body, "input")) set_input_messages(call, *input, options_);
    }
    if (!call.request_model)
      if (auto dep = path_segment_after(route.path, "/deployments/", "/")) call.request_model = *dep;
  }

  bool on_response_value(std::string_view, element value, LlmCall& call) override {
    saw_end_ = true;
    if (read_openai_error(value, call)) return false;
    if (auto m = json::nonempty_string(value, "model")) set_string(call.response_model, *m);
    if (auto usage = json::object(value, "usage")) {
      // prompt_tokens is the whole bill; output tokens stay absent (not zero).
      if (auto in = json::count(*usage, "prompt_tokens")) {
        usage_.input = in;
        saw_usage_ = true;
      }
    }
    return false;
  }

  void finish(LlmCall& call) override {
    if (saw_usage_) usage_.apply_to(call);
  }

  bool saw_end() const override { return saw_end_; }
  bool saw_usage() const override { return saw_usage_; }

 private:
  DecoderOptions options_;
  TokenUsage usage_;
  bool saw_usage_ = false;
  bool saw_end_ = false;
};

Claim claim(const RequestRoute& route) {
  // Ollama's native /api/embeddings has another shape (and no usage): not this API.
  if (route.method != "POST" || route.path == "/api/embeddings") return Claim::kNo;
  return ends_with(route.path, "/embeddings") ? Claim::kYes : Claim::kNo;
}

std::unique_ptr<ApiDecoder> create(const DecoderOptions& options) {
  return std::make_unique<OpenAiEmbeddingsDecoder>(options);
}

}  // namespace

const DecoderEntry& openai_embeddings_decoder() {
  static const DecoderEntry entry{"openai.embeddings", claim, nullptr, create};
  return entry;
}

}  // namespace agentprof
