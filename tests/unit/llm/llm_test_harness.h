// Drives an LlmStage through the ExchangeSink calls the http stage makes, from fixture bodies.
#pragma once

#include <string>
#include <vector>

#include "llm/llm_stage.h"

namespace agentprof::test {

std::string read_fixture(const std::string& name);  // tests/fixtures/llm/<name>

struct CollectingSink : LlmCallSink {
  std::vector<LlmCall> calls;
  void on_llm_call(LlmCall&& call) override { calls.push_back(std::move(call)); }
};

struct Exchange {
  std::string method = "POST";
  std::string target;
  std::vector<HttpHeader> request_headers;  // host etc.
  std::string request_body;
  bool has_response = true;
  int status = 200;
  std::vector<HttpHeader> response_headers;
  std::string response_body;
  BodyEnd response_end = BodyEnd::kComplete;
  // Response body piece boundaries (byte offsets); empty: pieces of `piece_size`.
  std::vector<size_t> splits;
  size_t piece_size = 1 << 30;
};

// Timestamps used: request head 1'000'000, request end 2'000'000, response head 10'000'000,
// body piece i at 20'000'000 + i * 5'000'000, response end and done after the last piece.
inline constexpr uint64_t kRequestStart = 1'000'000;
inline constexpr uint64_t kRequestEnd = 2'000'000;
inline constexpr uint64_t kResponseStart = 10'000'000;
inline constexpr uint64_t kFirstPiece = 20'000'000;
inline constexpr uint64_t kPieceStep = 5'000'000;

ConnMeta test_conn(uint16_t remote_port = 443);

// Feeds one exchange; returns the calls emitted by it (0 or 1).
std::vector<LlmCall> run(LlmStage& stage, CollectingSink& sink, const Exchange& ex, ExchangeId id = 1);

// One stage with the default price table, running one exchange; REQUIREs exactly one call.
LlmCall run_one(const Exchange& ex, LlmStageOptions options = {});

std::string sse_content_type();
Exchange sse_exchange(std::string host, std::string target, std::string request, std::string response);
Exchange json_exchange(std::string host, std::string target, std::string request, std::string response,
                       int status = 200);

// Re-encodes each SSE event's data as a Bedrock InvokeModelWithResponseStream event-stream message
// ({"bytes": base64(data)}), CRCs computed with zlib (independent of the code under test).
std::string aws_eventstream_from_sse(const std::string& sse);
std::string aws_message(const std::vector<std::pair<std::string, std::string>>& string_headers,
                        const std::string& payload);

}  // namespace agentprof::test
