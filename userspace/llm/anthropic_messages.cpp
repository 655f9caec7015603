// Anthropic Messages API: api.anthropic.com /v1/messages (also ?beta=true), Claude on Vertex AI
// (.../publishers/anthropic/models/{m}:rawPredict|streamRawPredict) and on Bedrock
// (/model/{id}/invoke and /invoke-with-response-stream, whose binary AWS event stream carries the
// same stream events base64-encoded). Non-streamed messages and streamed events.
#include "llm/api_decoder.h"
#include "llm/call_builder.h"
#include "llm/json_fields.h"

#include <charconv>

namespace agentprof {

namespace {

using simdjson::dom::element;

bool is_bedrock_invoke(const RequestRoute& route) {
  return route.path.starts_with("/model/") &&
         (ends_with(route.path, "/invoke") || ends_with(route.path, "/invoke-with-response-stream"));
}

bool is_vertex_claude(const RequestRoute& route) {
  return contains(route.path, "/publishers/anthropic/models/") &&
         (ends_with(route.path, ":rawPredict") || ends_with(route.path, ":streamRawPredict"));
}

std::optional<int64_t> header_count(const HttpResponseHead& head, std::string_view name) {
  const std::string* v = head.headers.find(name);
  if (!v) return std::nullopt;
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size() || n < 0) return std::nullopt;
  return n;
}

class AnthropicMessagesDecoder final : public ApiDecoder {
 public:
  explicit AnthropicMessagesDecoder(const DecoderOptions& options) : options_(options) {}

  void on_request(const RequestRoute& route, const element* body, LlmCall& call) override {
    bool bedrock = is_bedrock_invoke(route);
    call.api = bedrock ? "bedrock.invoke" : "anthropic.messages";
    call.operation = "chat";
    call.provider = bedrock ? "aws.bedrock" : "anthropic";
    if (body) {
      if (auto m = json::nonempty_string(*body, "model")) set_string(call.request_model, *m);
      call.stream = json::boolean(*body, "stream").value_or(false);
      call.max_tokens = json::count(*body, "max_tokens");
      call.temperature = json::number(*body, "temperature");
      call.top_p = json::number(*body, "top_p");
      if (auto msgs = json::field(*body, "messages")) set_input_messages(call, *msgs, options_);
    }
    // Vertex and Bedrock name the model in the path, not the body.
    if (!call.request_model) {
      if (bedrock) {
        if (auto m = path_segment_after(route.path, "/model/", "/")) call.request_model = *m;
      } else if (auto m = path_segment_after(route.path, "/models/", "/:")) {
        call.request_model = *m;
      }
    }
    if (ends_with(route.path, ":streamRawPredict") || ends_with(route.path, "/invoke-with-response-stream"))
      call.stream = true;
  }

  BodyFraming on_response_head(const HttpResponseHead& head, LlmCall& call) override {
    // Bedrock InvokeModel reports the billed tokens in headers.
    header_input_ = header_count(head, "x-amzn-bedrock-input-token-count");
    header_output_ = header_count(head, "x-amzn-bedrock-output-token-count");
    return ApiDecoder::on_response_head(head, call);
  }

  bool on_response_value(std::string_view event, element value, LlmCall& call) override {
    if (ends_with(event, "Exception") || event == "exception") {  // Bedrock exception message
      set_error_type(call, event);
      saw_end_ = true;
      return false;
    }
    // Bedrock adds its own billed counts to the last stream event.
    if (auto metrics = json::object(value, "amazon-bedrock-invocationMetrics")) {
      if (auto v = json::count(*metrics, "inputTokenCount")) header_input_ = v;
      if (auto v = json::count(*metrics, "outputTokenCount")) header_output_ = v;
    }
    std::string_view type = json::string(value, "type").value_or("");
    if (type == "message") {  // non-streamed response
      saw_end_ = true;
      output_final_ = true;
      on_message(value, call, /*with_content=*/true);
      return false;
    }
    if (type == "message_start") {
      if (auto m = json::object(value, "message")) on_message(*m, call, /*with_content=*/false);
      return false;
    }
    if (type == "content_block_start") {
      if (auto block = json::object(value, "content_block")) return on_content_block(*block, call);
      return false;
    }
    if (type == "content_block_delta") {
      if (auto delta = json::object(value, "delta"))
        if (json::string(*delta, "type") == "text_delta")
          append_output_text(call, json::string(*delta, "text").value_or(""), options_);
      return true;
    }
    if (type == "message_delta") {
      if (auto delta = json::object(value, "delta"))
        if (auto sr = json::nonempty_string(*delta, "stop_reason")) call.finish_reasons.assign(1, std::string(*sr));
      if (auto usage = json::object(value, "usage")) {
        read_usage(*usage);
        output_final_ = true;
      }
      return false;
    }
    if (type == "message_stop") {
      saw_end_ = true;
      return false;
    }
    if (auto err = json::object(value, "error"); err || type == "error") {
      set_error_type(call, err ? json::nonempty_string(*err, "type").value_or("error") : "error");
      saw_end_ = true;
    }
    return false;
  }

  void finish(LlmCall& call) override {
    // Anthropic's input_tokens excludes cache reads and writes; semconv input includes them.
    if (input_) {
      call.input_tokens = *input_ + cache_read_.value_or(0) + cache_creation_.value_or(0);
      call.cache_read_tokens = cache_read_;
      call.cache_creation_tokens = cache_creation_;
    } else {
      call.input_tokens = header_input_;  // Bedrock's billed count
    }
    // message_start's output_tokens is a placeholder (1): only message_delta's count is final.
    call.output_tokens = output_final_ && output_ ? output_ : header_output_;
    if (output_final_ && output_) call.reasoning_tokens = thinking_;
  }

  bool saw_end() const override { return saw_end_; }
  bool saw_usage() const override {
    return input_ || (output_final_ && output_) || header_input_ || header_output_;
  }

 private:
  void on_message(element m, LlmCall& call, bool with_content) {
    if (auto id = json::nonempty_string(m, "id")) set_string(call.response_id, *id);
    if (auto model = json::nonempty_string(m, "model")) set_string(call.response_model, *model);
    if (auto sr = json::nonempty_string(m, "stop_reason")) call.finish_reasons.assign(1, std::string(*sr));
    if (auto usage = json::object(m, "usage")) read_usage(*usage);
    if (with_content)
      if (auto content = json::array(m, "content"))
        for (element block : *content) on_content_block(block, call);
  }

  bool on_content_block(element block, LlmCall& call) {
    std::string_view type = json::string(block, "type").value_or("");
    if (type == "tool_use" || type == "server_tool_use" || type == "mcp_tool_use") {
      add_tool_call(call, json::string(block, "id").value_or(""), json::string(block, "name").value_or(""));
      return true;
    }
    if (type == "text") {
      auto text = json::nonempty_string(block, "text");
      if (text) append_output_text(call, *text, options_);
      return text.has_value();
    }
    return false;
  }

  // Usage fields are cumulative totals (message_delta repeats and updates them): assign, never add.
  void read_usage(element usage) {
    if (auto v = json::count(usage, "input_tokens")) input_ = v;
    if (auto v = json::count(usage, "output_tokens")) output_ = v;
    if (auto v = json::count(usage, "cache_read_input_tokens")) cache_read_ = v;
    if (auto v = json::count(usage, "cache_creation_input_tokens")) cache_creation_ = v;
    if (auto d = json::object(usage, "output_tokens_details"))
      if (auto v = json::count(*d, "thinking_tokens")) thinking_ = v;
  }

  DecoderOptions options_;
  std::optional<int64_t> input_, output_, cache_read_, cache_creation_, thinking_;
  std::optional<int64_t> header_input_, header_output_;
  bool saw_end_ = false;
  bool output_final_ = false;
};

Claim claim(const RequestRoute& route) {
  if (route.method != "POST") return Claim::kNo;
  if (ends_with(route.path, "/v1/messages") || is_vertex_claude(route)) return Claim::kYes;
  if (is_bedrock_invoke(route)) {
    // Bedrock hosts many model families behind one path; ARNs of inference profiles hide which.
    auto model = path_segment_after(route.path, "/model/", "/").value_or("");
    if (contains(model, "anthropic") || contains(model, "claude")) return Claim::kYes;
    return Claim::kIfBody;
  }
  return Claim::kNo;
}

// Anthropic bodies on Bedrock must carry anthropic_version; a cut body is searched as text.
bool claim_body(const RequestRoute&, const element* body, std::string_view raw) {
  if (body) return json::field(*body, "anthropic_version").has_value();
  return contains(raw, "\"anthropic_version\"");
}

std::unique_ptr<ApiDecoder> create(const DecoderOptions& options) {
  return std::make_unique<AnthropicMessagesDecoder>(options);
}

}  // namespace

const DecoderEntry& anthropic_messages_decoder() {
  static const DecoderEntry entry{"anthropic.messages", claim, claim_body, create};
  return entry;
}

}  // namespace agentprof
