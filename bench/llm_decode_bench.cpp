// bench_llm_decode: throughput of the llm stage.
//  1. MB/s decoding a large OpenAI and a large Anthropic SSE stream fed in 16 KiB pieces.
//  2. calls/s for small non-streamed chat calls (request head + body, response head + body).
#include <time.h>

#include <cstdio>
#include <string>

#include "llm/llm_stage.h"
#include "llm/pricing.h"

using namespace agentprof;

namespace {

struct CountingSink : LlmCallSink {
  uint64_t calls = 0;
  int64_t tokens = 0;
  void on_llm_call(LlmCall&& call) override {
    ++calls;
    tokens += call.output_tokens.value_or(0);
  }
};

std::span<const uint8_t> bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

double cpu_now() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + double(t.tv_nsec) / 1e9;
}

double seconds_since(double t0) { return cpu_now() - t0; }

std::string openai_stream(size_t target_bytes) {
  std::string s;
  s.reserve(target_bytes + 1024);
  for (size_t i = 0; s.size() < target_bytes; ++i) {
    s += R"(data: {"id":"chatcmpl-B9x1","object":"chat.completion.chunk","created":1731000000,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"content":" token)";
    s += std::to_string(i % 1000);
    s += R"("},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"x9QwZ"})";
    s += "\n\n";
  }
  s += R"(data: {"id":"chatcmpl-B9x1","object":"chat.completion.chunk","created":1731000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null})";
  s += "\n\n";
  s += R"(data: {"id":"chatcmpl-B9x1","object":"chat.completion.chunk","created":1731000000,"model":"gpt-4o-mini-2024-07-18","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":1000000,"total_tokens":1000010}})";
  s += "\n\ndata: [DONE]\n\n";
  return s;
}

std::string anthropic_stream(size_t target_bytes) {
  std::string s;
  s.reserve(target_bytes + 1024);
  s += "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[],\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}\n\n";
  for (size_t i = 0; s.size() < target_bytes; ++i) {
    s += "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" token";
    s += std::to_string(i % 1000);
    s += "\"}}\n\n";
  }
  s += "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":1000000}}\n\n";
  s += "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
  return s;
}

double stream_mb_per_s(const char* host, const char* target, const std::string& body, const PriceTable& prices) {
  CountingSink sink;
  LlmStage stage(sink, prices);
  ConnMeta conn;
  conn.remote.port = 443;
  HttpRequestHead req{"POST", target, "HTTP/1.1", {{{"host", host}}}};
  HttpResponseHead resp{200, "OK", "HTTP/1.1", {{{"content-type", "text/event-stream"}, {"transfer-encoding", "chunked"}}}};
  std::string request = R"({"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]})";
  double t0 = cpu_now();
  stage.on_request_head(1, conn, req, 1);
  stage.on_request_body(1, bytes(request), 2);
  stage.on_request_end(1, BodyEnd::kComplete, 3);
  stage.on_response_head(1, resp, 4);
  constexpr size_t kPiece = 16 * 1024;
  uint64_t ts = 5;
  for (size_t at = 0; at < body.size(); at += kPiece)
    stage.on_response_body(1, bytes(std::string_view(body).substr(at, kPiece)), ts++);
  stage.on_response_end(1, BodyEnd::kComplete, ts);
  stage.on_exchange_done(1, conn, ts + 1);
  double s = seconds_since(t0);
  if (sink.calls != 1 || sink.tokens != 1000000) std::fprintf(stderr, "unexpected decode result\n");
  return double(body.size()) / 1e6 / s;
}

double small_calls_per_s(const PriceTable& prices, int n) {
  CountingSink sink;
  LlmStage stage(sink, prices);
  ConnMeta conn;
  conn.remote.port = 443;
  HttpRequestHead req{"POST", "/v1/chat/completions", "HTTP/1.1",
                      {{{"host", "api.openai.com"}, {"user-agent", "OpenAI/Python 1.99.1"}, {"x-stainless-retry-count", "0"}}}};
  HttpResponseHead resp{200, "OK", "HTTP/1.1",
                        {{{"content-type", "application/json"}, {"content-length", "600"}, {"x-ratelimit-remaining-requests", "9999"}}}};
  std::string request = R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hi"}],"max_tokens":16,"temperature":0})";
  std::string response = R"({"id":"chatcmpl-AbC123","object":"chat.completion","created":1731000100,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"Hi!","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}},"system_fingerprint":"fp_50cad350e4"})";
  double t0 = cpu_now();
  for (int i = 0; i < n; ++i) {
    ExchangeId id = ExchangeId(i + 1);
    stage.on_request_head(id, conn, req, 1);
    stage.on_request_body(id, bytes(request), 2);
    stage.on_request_end(id, BodyEnd::kComplete, 3);
    stage.on_response_head(id, resp, 4);
    stage.on_response_body(id, bytes(response), 5);
    stage.on_response_end(id, BodyEnd::kComplete, 6);
    stage.on_exchange_done(id, conn, 7);
  }
  double s = seconds_since(t0);
  if (sink.calls != uint64_t(n)) std::fprintf(stderr, "unexpected call count\n");
  return double(n) / s;
}

}  // namespace

int main() {
  PriceTable prices;
  std::string error;
  if (!prices.load_defaults(error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  constexpr size_t kStreamBytes = 64u << 20;
  std::string openai = openai_stream(kStreamBytes);
  std::string anthropic = anthropic_stream(kStreamBytes);
  stream_mb_per_s("api.openai.com", "/v1/chat/completions", openai, prices);  // warm-up
  std::printf("openai chat SSE, 16 KiB pieces:  %8.1f MB/s\n",
              stream_mb_per_s("api.openai.com", "/v1/chat/completions", openai, prices));
  std::printf("anthropic SSE, 16 KiB pieces:    %8.1f MB/s\n",
              stream_mb_per_s("api.anthropic.com", "/v1/messages", anthropic, prices));
  small_calls_per_s(prices, 20000);  // warm-up
  std::printf("small non-streamed chat calls:   %8.0f calls/s\n", small_calls_per_s(prices, 200000));
  return 0;
}
