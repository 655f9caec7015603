// Embeddings and legacy completions.
#include <catch2/catch.hpp>

#include "llm_test_harness.h"

using namespace agentprof;
using namespace agentprof::test;

TEST_CASE("openai embeddings: input tokens only, output absent", "[llm][openai_embeddings]") {
  Exchange ex = json_exchange("api.openai.com", "/v1/embeddings",
                              R"({"model":"text-embedding-3-small","input":["a","b"],"encoding_format":"base64"})",
                              read_fixture("openai_embeddings.json"));
  LlmCall c = run_one(ex);
  CHECK(c.api == "openai.embeddings");
  CHECK(c.operation == "embeddings");
  CHECK(c.request_model == "text-embedding-3-small");
  CHECK(c.response_model == "text-embedding-3-small");
  CHECK(c.input_tokens == 9);
  CHECK_FALSE(c.output_tokens);
  CHECK_FALSE(c.usage_missing);
  REQUIRE(c.cost_usd);
  CHECK(*c.cost_usd == Approx(9 * 0.02 / 1e6));
}

TEST_CASE("openai embeddings: error body", "[llm][openai_embeddings]") {
  Exchange ex = json_exchange("api.openai.com", "/v1/embeddings", R"({"model":"text-embedding-3-small","input":"a"})",
                              R"({"error":{"message":"bad key","type":"invalid_request_error","param":null,"code":"invalid_api_key"}})",
                              401);
  LlmCall c = run_one(ex);
  CHECK(c.error_type == "invalid_api_key");
  CHECK_FALSE(c.input_tokens);
}

TEST_CASE("openai completions: stream and non-stream", "[llm][openai_completions]") {
  Exchange s = sse_exchange("api.openai.com", "/v1/completions",
                            R"({"model":"gpt-3.5-turbo-instruct","prompt":"Once","max_tokens":2,"stream":true,"stream_options":{"include_usage":true}})",
                            read_fixture("openai_completions_stream.sse"));
  LlmCall c = run_one(s);
  CHECK(c.api == "openai.completions");
  CHECK(c.operation == "text_completion");
  CHECK(c.stream);
  CHECK(c.max_tokens == 2);
  CHECK(c.response_id == "cmpl-9");
  CHECK(c.finish_reasons == std::vector<std::string>{"length"});
  CHECK(c.input_tokens == 5);
  CHECK(c.output_tokens == 2);
  CHECK(c.chunk_count == 2);

  Exchange n = json_exchange("api.openai.com", "/v1/completions",
                             R"({"model":"gpt-3.5-turbo-instruct","prompt":"Say this is a test","max_tokens":7})",
                             read_fixture("openai_completions.json"));
  LlmCall d = run_one(n);
  CHECK_FALSE(d.stream);
  CHECK(d.input_tokens == 5);
  CHECK(d.output_tokens == 7);
  CHECK(d.finish_reasons == std::vector<std::string>{"length"});
  CHECK_FALSE(d.cost_usd);  // not in the price table
}

TEST_CASE("openai completions: error", "[llm][openai_completions]") {
  Exchange ex = json_exchange("api.openai.com", "/v1/completions", R"({"model":"x","prompt":"p"})",
                              read_fixture("openai_error_429.json"), 429);
  LlmCall c = run_one(ex);
  CHECK(c.error_type == "rate_limit_exceeded");
}
