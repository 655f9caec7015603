#include "trace/span_builder.h"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "trace/attribute_names.h"

namespace agentprof {

namespace {

constexpr double kNsPerSecond = 1e9;

int64_t clamp_to_int64(uint64_t v) {
  return v > uint64_t(std::numeric_limits<int64_t>::max()) ? std::numeric_limits<int64_t>::max()
                                                           : int64_t(v);
}

class AttributeList {
 public:
  explicit AttributeList(std::vector<Attribute>& out) : out_(out) {}

  void add(const char* key, AttributeValue value) { out_.push_back({key, std::move(value)}); }
  void add_string(const char* key, const std::string& v) {
    if (!v.empty()) add(key, v);
  }
  void add_string(const char* key, const std::optional<std::string>& v) {
    if (v) add(key, *v);
  }
  void add_int(const char* key, const std::optional<int64_t>& v) {
    if (v) add(key, *v);
  }
  void add_double(const char* key, const std::optional<double>& v) {
    if (v) add(key, *v);
  }
  void add_flag(const char* key, bool v) {
    if (v) add(key, true);
  }

 private:
  std::vector<Attribute>& out_;
};

std::string span_name(const LlmCall& call) {
  std::string name = call.operation.empty() ? "llm_call" : call.operation;
  const std::optional<std::string>& model =
      call.request_model && !call.request_model->empty() ? call.request_model : call.response_model;
  if (model && !model->empty()) name += " " + *model;
  return name;
}

// The endpoint of the server side of the connection: the peer when we are the client.
const Endpoint& server_endpoint(const LlmCall& call) {
  return call.conn.role == Role::kServer ? call.conn.local : call.conn.remote;
}

void add_attributes(const LlmCall& call, AttributeList& a) {
  a.add_string(attr::kOperationName, call.operation);
  a.add_string(attr::kProviderName, call.provider);
  a.add_string(attr::kRequestModel, call.request_model);
  a.add_string(attr::kResponseModel, call.response_model);
  a.add_string(attr::kResponseId, call.response_id);
  a.add(attr::kRequestStream, call.stream);
  a.add_int(attr::kRequestMaxTokens, call.max_tokens);
  a.add_double(attr::kRequestTemperature, call.temperature);
  a.add_double(attr::kRequestTopP, call.top_p);
  if (!call.finish_reasons.empty()) a.add(attr::kResponseFinishReasons, call.finish_reasons);

  a.add_int(attr::kUsageInputTokens, call.input_tokens);
  a.add_int(attr::kUsageOutputTokens, call.output_tokens);
  a.add_int(attr::kUsageCacheReadInputTokens, call.cache_read_tokens);
  a.add_int(attr::kUsageCacheCreationInputTokens, call.cache_creation_tokens);
  a.add_int(attr::kUsageReasoningOutputTokens, call.reasoning_tokens);

  // Time to first chunk only means something for streams, and only when both ends were seen in
  // order (an early error reply can start before the request finished).
  if (call.stream && call.first_chunk_ns != 0 && call.request_end_ns != 0 &&
      call.first_chunk_ns >= call.request_end_ns)
    a.add(attr::kResponseTimeToFirstChunk,
          double(call.first_chunk_ns - call.request_end_ns) / kNsPerSecond);

  a.add_string(attr::kConversationId, call.conversation_id);

  const Endpoint& server = server_endpoint(call);
  a.add_string(attr::kServerAddress, call.server_address.empty() ? server.address : call.server_address);
  if (call.server_port)
    a.add(attr::kServerPort, int64_t(*call.server_port));
  else if (server.known())
    a.add(attr::kServerPort, int64_t(server.port));
  a.add_string(attr::kHttpRequestMethod, call.method);
  a.add_string(attr::kNetworkProtocolVersion, call.http_version);
  // url.path never carries the query: it is where secrets such as ?key= would live.
  a.add_string(attr::kUrlPath, call.url_path.substr(0, call.url_path.find('?')));
  if (call.status_code) a.add(attr::kHttpResponseStatusCode, int64_t(*call.status_code));

  if (call.conn.key.tgid != 0) a.add(attr::kProcessPid, int64_t(call.conn.key.tgid));
  a.add_string(attr::kProcessExecutableName, call.conn.comm);
  if (call.conn.tid != 0) a.add(attr::kThreadId, int64_t(call.conn.tid));
  a.add_string(attr::kUserAgentOriginal, call.user_agent);

  a.add_string(attr::kApi, call.api);
  if (call.stream || call.chunk_count > 0) a.add(attr::kOutputChunks, clamp_to_int64(call.chunk_count));
  if (call.chunk_count >= 2) {  // a gap needs two chunks
    a.add(attr::kChunkGapMeanS, call.mean_chunk_gap_s);
    a.add(attr::kChunkGapMaxS, call.max_chunk_gap_s);
  }
  if (!call.tool_calls.empty()) {
    a.add(attr::kToolCallsCount, int64_t(call.tool_calls.size()));
    std::vector<std::string> names;
    names.reserve(call.tool_calls.size());
    for (const auto& t : call.tool_calls) names.push_back(t.name);
    a.add(attr::kToolCallsNames, std::move(names));
  }
  a.add_int(attr::kRetryCount, call.retry_count);
  a.add_int(attr::kRatelimitRemainingRequests, call.ratelimit_remaining_requests);
  a.add_int(attr::kRatelimitRemainingTokens, call.ratelimit_remaining_tokens);
  a.add(attr::kRequestBodyBytes, clamp_to_int64(call.request_body_bytes));
  a.add(attr::kResponseBodyBytes, clamp_to_int64(call.response_body_bytes));
  a.add_double(attr::kCostUsd, call.cost_usd);
  a.add_flag(attr::kUsageMissing, call.usage_missing);
  a.add_flag(attr::kRequestTruncated, call.request_truncated);
  a.add_flag(attr::kResponseTruncated, call.response_truncated);
  a.add_flag(attr::kIncomplete, call.incomplete);
  if (call.incomplete) a.add_string(attr::kIncompleteReason, call.incomplete_reason);

  a.add_string(attr::kInputMessages, call.input_messages);
  a.add_string(attr::kOutputText, call.output_text);
}

// Sets error, error.type and the status message.
void apply_status(const LlmCall& call, Span& span, AttributeList& a) {
  bool http_error = call.status_code && *call.status_code >= 400;
  span.error = http_error || call.error_type || call.incomplete;
  if (!span.error) return;

  std::string error_type;
  if (call.error_type && !call.error_type->empty())
    error_type = *call.error_type;
  else if (http_error)
    error_type = std::to_string(*call.status_code);
  else if (call.error_type)
    error_type = "_OTHER";  // semconv fallback when the type is known to exist but is empty
  else
    error_type = attr::kErrorTypeIncomplete;
  a.add(attr::kErrorType, error_type);

  std::string& msg = span.status_message;
  auto append = [&msg](const std::string& part) {
    if (!msg.empty()) msg += "; ";
    msg += part;
  };
  if (http_error) append("HTTP " + std::to_string(*call.status_code));
  if (call.error_type && !call.error_type->empty()) append(*call.error_type);
  if (call.incomplete)
    append(call.incomplete_reason.empty() ? "incomplete" : "incomplete: " + call.incomplete_reason);
}

}  // namespace

SpanBuilder::SpanBuilder(SpanSink& sink, SpanBuilderOptions options)
    : sink_(sink), options_(std::move(options)), ids_(options_.id_seed) {}

void SpanBuilder::on_llm_call(LlmCall&& call) { sink_.on_span(build(call)); }

Span SpanBuilder::build(const LlmCall& call) {
  Span span;
  span.trace_id = ids_.trace_id();
  span.span_id = ids_.span_id();
  span.name = span_name(call);
  span.kind = call.conn.role == Role::kServer ? SpanKind::kServer : SpanKind::kClient;

  uint64_t first = 0, last = 0;
  for (uint64_t t : {call.request_start_ns, call.request_end_ns, call.response_start_ns,
                     call.first_chunk_ns, call.last_chunk_ns, call.end_ns}) {
    if (t == 0) continue;
    first = first == 0 ? t : std::min(first, t);
    last = std::max(last, t);
  }
  bool timing_missing = first == 0;
  if (timing_missing) {
    first = last = options_.monotonic_now ? options_.monotonic_now() : monotonic_now_ns();
    ++spans_without_timing_;
  }
  span.start_unix_ns = options_.clock.to_unix_ns(first);
  span.end_unix_ns = options_.clock.to_unix_ns(last);

  AttributeList attrs(span.attributes);
  add_attributes(call, attrs);
  apply_status(call, span, attrs);
  attrs.add_flag(attr::kTimingMissing, timing_missing);
  ++spans_built_;
  return span;
}

}  // namespace agentprof
