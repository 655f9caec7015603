#include <catch2/catch.hpp>

#include "llm_test_harness.h"

using namespace agentprof;
using namespace agentprof::test;

TEST_CASE("openai responses: SSE stream with function call and reasoning usage", "[llm][openai_responses]") {
  Exchange ex = sse_exchange("api.openai.com", "/v1/responses",
                             R"({"model":"o4-mini","input":[{"role":"user","content":"ls"}],"stream":true,"max_output_tokens":4096,"reasoning":{"effort":"low"}})",
                             read_fixture("openai_responses_stream.sse"));
  LlmStageOptions opts;
  opts.capture_content = true;
  LlmCall c = run_one(ex, opts);
  CHECK(c.api == "openai.responses");
  CHECK(c.operation == "chat");
  CHECK(c.request_model == "o4-mini");
  CHECK(c.stream);
  CHECK(c.max_tokens == 4096);
  CHECK(c.response_id == "resp_68a1");
  CHECK(c.response_model == "o4-mini-2025-04-16");
  CHECK(c.finish_reasons == std::vector<std::string>{"completed"});
  REQUIRE(c.tool_calls.size() == 1);  // added, done and completed all name the same call
  CHECK(c.tool_calls[0].id == "call_shell1");
  CHECK(c.tool_calls[0].name == "shell");
  CHECK(c.input_tokens == 2100);
  CHECK(c.cache_read_tokens == 1536);
  CHECK(c.output_tokens == 340);
  CHECK(c.reasoning_tokens == 256);
  CHECK(c.chunk_count == 3);  // two text deltas, one argument delta
  CHECK(c.output_text == "Checking now.");  // not repeated from response.completed
  CHECK(c.input_messages == R"([{"role":"user","content":"ls"}])");
  REQUIRE(c.cost_usd);
  CHECK(*c.cost_usd == Approx(((2100 - 1536) * 1.10 + 1536 * 0.275 + 340 * 4.40) / 1e6));
}

TEST_CASE("openai responses: non-streamed incomplete response", "[llm][openai_responses]") {
  Exchange ex = json_exchange("api.openai.com", "/v1/responses",
                              R"({"model":"gpt-4.1","input":"Tell me a story","max_output_tokens":64,"temperature":1.0})",
                              read_fixture("openai_responses.json"));
  LlmCall c = run_one(ex);
  CHECK_FALSE(c.stream);
  CHECK(c.temperature == Approx(1.0));
  CHECK(c.response_id == "resp_67cc");
  CHECK(c.finish_reasons == std::vector<std::string>{"max_output_tokens"});
  CHECK(c.input_tokens == 36);
  CHECK(c.output_tokens == 64);
  CHECK_FALSE(c.incomplete);  // the HTTP exchange completed; the model stopped at its limit
}

TEST_CASE("openai responses: error event mid-stream", "[llm][openai_responses]") {
  Exchange ex = sse_exchange("api.openai.com", "/v1/responses", R"({"model":"gpt-5","input":"x","stream":true})",
                             read_fixture("openai_responses_stream_error.sse"));
  LlmCall c = run_one(ex);
  CHECK(c.error_type == "server_error");
  CHECK(c.response_id == "resp_err");
  CHECK_FALSE(c.input_tokens);
  CHECK_FALSE(c.incomplete);
}

TEST_CASE("openai responses: Codex ChatGPT backend path", "[llm][openai_responses]") {
  Exchange ex = sse_exchange("chatgpt.com", "/backend-api/codex/responses",
                             R"({"model":"gpt-5-codex","input":[],"stream":true})",
                             read_fixture("openai_responses_stream.sse"));
  LlmCall c = run_one(ex);
  CHECK(c.api == "openai.responses");
  CHECK(c.provider == "openai");
  CHECK(c.input_tokens == 2100);
}

TEST_CASE("openai responses: HTTP 400 error body", "[llm][openai_responses]") {
  Exchange ex = json_exchange("api.openai.com", "/v1/responses", R"({"model":"gpt-5","input":"x"})",
                              R"({"error":{"message":"Unsupported parameter","type":"invalid_request_error","param":"temperature","code":"unsupported_parameter"}})",
                              400);
  LlmCall c = run_one(ex);
  CHECK(c.error_type == "unsupported_parameter");
  CHECK(c.status_code == 400);
}
