#include <catch2/catch.hpp>

#include "llm_test_harness.h"

using namespace agentprof;
using namespace agentprof::test;

TEST_CASE("gemini: SSE stream with thoughts, cached tokens and a function call", "[llm][gemini]") {
  Exchange ex = sse_exchange("generativelanguage.googleapis.com",
                             "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse&key=REDACTED",
                             read_fixture("gemini_request.json"), read_fixture("gemini_stream.sse"));
  LlmStageOptions opts;
  opts.capture_content = true;
  LlmCall c = run_one(ex, opts);
  CHECK(c.api == "gemini.generate_content");
  CHECK(c.provider == "gcp.gemini");
  CHECK(c.operation == "generate_content");
  CHECK(c.url_path == "/v1beta/models/gemini-2.5-pro:streamGenerateContent");
  CHECK(c.request_model == "gemini-2.5-pro");
  CHECK(c.stream);
  CHECK(c.max_tokens == 8192);
  CHECK(c.temperature == Approx(0.7));
  CHECK(c.top_p == Approx(0.95));
  CHECK(c.response_model == "gemini-2.5-pro");
  CHECK(c.response_id == "kTZ_aPiYL5-1nvgPq_iL6AM");
  CHECK(c.finish_reasons == std::vector<std::string>{"STOP"});
  REQUIRE(c.tool_calls.size() == 1);
  CHECK(c.tool_calls[0].name == "calculator");
  CHECK(c.input_tokens == 31);
  CHECK(c.output_tokens == 21 + 128);  // semconv output includes thoughts
  CHECK(c.reasoning_tokens == 128);
  CHECK(c.cache_read_tokens == 8);
  CHECK(c.chunk_count == 3);
  CHECK(c.output_text == "2+2 is 4.");  // thought text is not output
  REQUIRE(c.input_messages);
  CHECK(c.input_messages->find("calculator") != std::string::npos);
  REQUIRE(c.cost_usd);
  CHECK(*c.cost_usd == Approx(((31 - 8) * 1.25 + 8 * 0.125 + 149 * 10.0) / 1e6));
}

TEST_CASE("gemini: JSON array stream without alt=sse", "[llm][gemini]") {
  Exchange ex = json_exchange("generativelanguage.googleapis.com", "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
                              R"({"contents":[{"role":"user","parts":[{"text":"hi"}]}]})",
                              read_fixture("gemini_stream_array.json"));
  ex.response_headers = {{"content-type", "application/json; charset=UTF-8"}, {"transfer-encoding", "chunked"}};
  LlmStageOptions opts;
  opts.capture_content = true;
  LlmCall c = run_one(ex, opts);
  CHECK(c.stream);
  CHECK(c.chunk_count == 2);
  CHECK(c.output_text == "Hello there [\"}{] friend");
  CHECK(c.input_tokens == 4);
  CHECK(c.output_tokens == 5);
  CHECK_FALSE(c.reasoning_tokens);
  CHECK(c.finish_reasons == std::vector<std::string>{"STOP"});
  CHECK_FALSE(c.incomplete);
}

TEST_CASE("gemini: non-streamed response above the long-context price tier", "[llm][gemini]") {
  Exchange ex = json_exchange("generativelanguage.googleapis.com", "/v1beta/models/gemini-2.5-pro:generateContent",
                              R"({"contents":[],"generationConfig":{"maxOutputTokens":1000}})", read_fixture("gemini.json"));
  LlmCall c = run_one(ex);
  CHECK_FALSE(c.stream);
  CHECK(c.finish_reasons == std::vector<std::string>{"MAX_TOKENS"});
  CHECK(c.input_tokens == 250000);
  CHECK(c.output_tokens == 1500);
  CHECK(c.reasoning_tokens == 500);
  CHECK(c.cache_read_tokens == 200000);
  REQUIRE(c.cost_usd);
  CHECK(*c.cost_usd == Approx((50000 * 2.50 + 200000 * 0.25 + 1500 * 15.0) / 1e6));
}

TEST_CASE("gemini: 429 RESOURCE_EXHAUSTED", "[llm][gemini]") {
  Exchange ex = json_exchange("generativelanguage.googleapis.com", "/v1beta/models/gemini-2.5-flash:generateContent",
                              R"({"contents":[]})", read_fixture("gemini_error_429.json"), 429);
  LlmCall c = run_one(ex);
  CHECK(c.error_type == "RESOURCE_EXHAUSTED");
  CHECK_FALSE(c.input_tokens);
}

TEST_CASE("gemini: Vertex AI publisher path", "[llm][gemini]") {
  Exchange ex = json_exchange("us-central1-aiplatform.googleapis.com",
                              "/v1/projects/my-proj/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent",
                              R"({"contents":[]})", read_fixture("gemini.json"));
  LlmCall c = run_one(ex);
  CHECK(c.provider == "gcp.vertex_ai");
  CHECK(c.request_model == "gemini-2.5-flash");
}

TEST_CASE("gemini: Code Assist (Gemini CLI) wraps request and response", "[llm][gemini]") {
  Exchange ex = sse_exchange("cloudcode-pa.googleapis.com", "/v1internal:streamGenerateContent?alt=sse",
                             read_fixture("cloudcode_request.json"), read_fixture("cloudcode_stream.sse"));
  LlmCall c = run_one(ex);
  CHECK(c.provider == "gcp.gemini");
  CHECK(c.request_model == "gemini-2.5-flash");
  CHECK(c.max_tokens == 1000);
  CHECK(c.temperature == Approx(0.0));
  CHECK(c.top_p == Approx(1.0));
  CHECK(c.response_id == "cc-1");
  CHECK(c.input_tokens == 5);
  CHECK(c.output_tokens == 2);
  CHECK(c.chunk_count == 2);
  REQUIRE(c.cost_usd);
  CHECK(*c.cost_usd == Approx((5 * 0.30 + 2 * 2.50) / 1e6));
}

TEST_CASE("gemini: blocked prompt reports the block reason", "[llm][gemini]") {
  LlmCall c = run_one(json_exchange("generativelanguage.googleapis.com", "/v1beta/models/gemini-2.5-flash:generateContent",
                                    R"({"contents":[]})",
                                    R"({"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"},"usageMetadata":{"promptTokenCount":12,"totalTokenCount":12},"modelVersion":"gemini-2.5-flash"})"));
  CHECK(c.finish_reasons == std::vector<std::string>{"PROHIBITED_CONTENT"});
  CHECK(c.input_tokens == 12);
  CHECK(c.output_tokens == 0);  // finished, and Gemini omits zero counts
}
