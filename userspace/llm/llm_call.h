// One LLM API call reconstructed from the wire: what the llm stage emits and the trace stage
// turns into a span. Optional fields are absent when the wire did not carry them — never zero.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/connection.h"

namespace agentprof {

struct LlmToolCall {
  std::string id;
  std::string name;
};

struct LlmCall {
  ConnMeta conn;  // pid = conn.key.tgid, comm, thread id, server endpoint

  // What was called.
  std::string api;        // decoder family: "openai.chat_completions", "openai.responses",
                          // "openai.embeddings", "openai.completions", "anthropic.messages",
                          // "gemini.generate_content", "ollama.chat", "ollama.generate",
                          // "bedrock.invoke", ...
  std::string provider;   // gen_ai.provider.name: openai, azure.ai.openai, anthropic, gcp.gemini,
                          // gcp.vertex_ai, aws.bedrock, deepseek, openrouter, ollama, ...
  std::string operation;  // gen_ai.operation.name: chat, generate_content, embeddings, text_completion
  std::string server_address;  // Host header without port
  std::optional<uint16_t> server_port;
  std::string method;
  std::string http_version;  // network.protocol.version: "1.1", "2"
  std::string url_path;   // path only, no query
  std::string user_agent;

  // Request.
  std::optional<std::string> request_model;
  bool stream = false;
  std::optional<int64_t> max_tokens;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int64_t> retry_count;       // x-stainless-retry-count
  std::optional<std::string> conversation_id;  // e.g. X-Claude-Code-Session-Id

  // Response.
  std::optional<int> status_code;
  std::optional<std::string> response_model;
  std::optional<std::string> response_id;
  std::vector<std::string> finish_reasons;
  std::vector<LlmToolCall> tool_calls;
  std::optional<std::string> error_type;    // provider error type, or the HTTP status code as text
  std::optional<int64_t> ratelimit_remaining_requests;
  std::optional<int64_t> ratelimit_remaining_tokens;

  // Usage, with OpenTelemetry GenAI semconv meaning: input includes cached tokens, output
  // includes reasoning tokens; the others are subsets reported beside them.
  std::optional<int64_t> input_tokens;
  std::optional<int64_t> output_tokens;
  std::optional<int64_t> cache_read_tokens;
  std::optional<int64_t> cache_creation_tokens;
  std::optional<int64_t> reasoning_tokens;
  bool usage_missing = false;  // a complete response carried no usage (e.g. stream without include_usage)

  // Timing, CLOCK_MONOTONIC ns (0 = not seen).
  uint64_t request_start_ns = 0;   // first request byte
  uint64_t request_end_ns = 0;     // last request byte
  uint64_t response_start_ns = 0;  // first response byte (head)
  uint64_t first_chunk_ns = 0;     // first response body byte
  uint64_t last_chunk_ns = 0;      // last response body byte
  uint64_t end_ns = 0;             // exchange done

  // Streaming shape.
  uint64_t chunk_count = 0;        // stream events (SSE events / NDJSON lines) carrying output
  double mean_chunk_gap_s = 0;
  double max_chunk_gap_s = 0;

  uint64_t request_body_bytes = 0;   // decoded
  uint64_t response_body_bytes = 0;  // decoded
  bool request_truncated = false;    // body larger than the cap: fields after it unknown
  bool response_truncated = false;
  bool incomplete = false;           // response missing or cut short (gap, close, exit)
  std::string incomplete_reason;     // "no_response", "closed", "gap", "malformed", ...

  std::optional<double> cost_usd;    // filled by the price table; absent when the model is unpriced

  // Content, only when the user opted in (--content).
  std::optional<std::string> input_messages;   // JSON text
  std::optional<std::string> output_text;
};

class LlmCallSink {
 public:
  virtual ~LlmCallSink() = default;
  virtual void on_llm_call(LlmCall&& call) = 0;
};

}  // namespace agentprof
