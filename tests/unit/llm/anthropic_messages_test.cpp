#include <catch2/catch.hpp>

#include "llm_test_harness.h"

using namespace agentprof;
using namespace agentprof::test;

TEST_CASE("anthropic: SSE stream with cache tokens, tool use and cumulative message_delta usage",
          "[llm][anthropic]") {
  Exchange ex = sse_exchange("api.anthropic.com", "/v1/messages?beta=true", read_fixture("anthropic_request.json"),
                             read_fixture("anthropic_messages_stream.sse"));
  ex.request_headers.push_back({"user-agent", "claude-cli/2.0.14 (external, cli)"});
  ex.request_headers.push_back({"x-claude-code-session-id", "5d3c9a3e-1111-2222-3333-444455556666"});
  ex.response_headers.push_back({"anthropic-ratelimit-requests-remaining", "3999"});
  ex.response_headers.push_back({"anthropic-ratelimit-tokens-remaining", "1990000"});
  LlmCall c = run_one(ex);
  CHECK(c.api == "anthropic.messages");
  CHECK(c.provider == "anthropic");
  CHECK(c.operation == "chat");
  CHECK(c.url_path == "/v1/messages");
  CHECK(c.request_model == "claude-sonnet-4-5-20250929");
  CHECK(c.max_tokens == 32000);
  CHECK(c.temperature == Approx(1.0));
  CHECK(c.stream);
  CHECK(c.conversation_id == "5d3c9a3e-1111-2222-3333-444455556666");
  CHECK(c.user_agent == "claude-cli/2.0.14 (external, cli)");
  CHECK(c.ratelimit_remaining_requests == 3999);
  CHECK(c.ratelimit_remaining_tokens == 1990000);
  CHECK(c.response_id == "msg_01XFDUDYJgAACzvnptvVoYEL");
  CHECK(c.response_model == "claude-sonnet-4-5-20250929");
  CHECK(c.finish_reasons == std::vector<std::string>{"tool_use"});
  REQUIRE(c.tool_calls.size() == 1);
  CHECK(c.tool_calls[0].id == "toolu_01T1x1fJ34qAmk2tNTrN7Up6");
  CHECK(c.tool_calls[0].name == "Bash");
  // semconv input = input + cache_read + cache_creation.
  CHECK(c.input_tokens == 12 + 25000 + 1800);
  CHECK(c.cache_read_tokens == 25000);
  CHECK(c.cache_creation_tokens == 1800);
  CHECK(c.output_tokens == 85);  // the last cumulative value, not 1 + 20 + 85
  CHECK(c.chunk_count == 5);     // 2 text deltas, tool_use start, 2 input_json deltas
  CHECK_FALSE(c.incomplete);
  CHECK_FALSE(c.usage_missing);
  REQUIRE(c.cost_usd);
  CHECK(*c.cost_usd == Approx((12 * 3.0 + 25000 * 0.30 + 1800 * 3.75 + 85 * 15.0) / 1e6));
}

TEST_CASE("anthropic: non-streamed message", "[llm][anthropic]") {
  Exchange ex = json_exchange("api.anthropic.com", "/v1/messages",
                              R"({"model":"claude-3-5-haiku-latest","max_tokens":1024,"messages":[{"role":"user","content":"hi"}]})",
                              read_fixture("anthropic_messages.json"));
  LlmStageOptions opts;
  opts.capture_content = true;
  LlmCall c = run_one(ex, opts);
  CHECK_FALSE(c.stream);
  CHECK(c.response_model == "claude-3-5-haiku-20241022");
  CHECK(c.finish_reasons == std::vector<std::string>{"tool_use"});
  REQUIRE(c.tool_calls.size() == 1);
  CHECK(c.tool_calls[0].name == "get_weather");
  CHECK(c.input_tokens == 2095);
  CHECK(c.output_tokens == 503);
  CHECK(c.cache_read_tokens == 0);
  CHECK(c.output_text == "Sure, running it.");  // thinking blocks are not output text
  REQUIRE(c.cost_usd);
  CHECK(*c.cost_usd == Approx((2095 * 0.80 + 503 * 4.0) / 1e6));
}

TEST_CASE("anthropic: mid-stream overloaded error", "[llm][anthropic]") {
  Exchange ex = sse_exchange("api.anthropic.com", "/v1/messages",
                             R"({"model":"claude-opus-4-1","max_tokens":10,"messages":[],"stream":true})",
                             read_fixture("anthropic_stream_overloaded.sse"));
  LlmCall c = run_one(ex);
  CHECK(c.error_type == "overloaded_error");
  CHECK(c.input_tokens == 400);
  CHECK_FALSE(c.output_tokens);  // message_start's placeholder count is not reported
  CHECK_FALSE(c.cost_usd);
  CHECK_FALSE(c.usage_missing);
}

TEST_CASE("anthropic: HTTP 429 error", "[llm][anthropic]") {
  Exchange ex = json_exchange("api.anthropic.com", "/v1/messages",
                              R"({"model":"claude-sonnet-4-5","max_tokens":10,"messages":[]})",
                              read_fixture("anthropic_error_429.json"), 429);
  LlmCall c = run_one(ex);
  CHECK(c.error_type == "rate_limit_error");
  CHECK(c.status_code == 429);
}

TEST_CASE("anthropic: Claude on Vertex AI, model from the path", "[llm][anthropic]") {
  Exchange ex = sse_exchange("us-east5-aiplatform.googleapis.com",
                             "/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514:streamRawPredict",
                             R"({"anthropic_version":"vertex-2023-10-16","max_tokens":100,"messages":[],"stream":true})",
                             read_fixture("anthropic_messages_stream.sse"));
  LlmCall c = run_one(ex);
  CHECK(c.api == "anthropic.messages");
  CHECK(c.provider == "gcp.vertex_ai");
  CHECK(c.request_model == "claude-sonnet-4@20250514");
  CHECK(c.stream);
  CHECK(c.output_tokens == 85);
}

TEST_CASE("anthropic: Bedrock InvokeModel", "[llm][anthropic][bedrock]") {
  Exchange ex = json_exchange("bedrock-runtime.us-east-1.amazonaws.com",
                              "/model/us.anthropic.claude-sonnet-4-20250514-v1%3A0/invoke",
                              read_fixture("bedrock_invoke_request.json"), read_fixture("bedrock_invoke.json"));
  ex.response_headers.push_back({"x-amzn-bedrock-input-token-count", "10"});
  ex.response_headers.push_back({"x-amzn-bedrock-output-token-count", "4"});
  LlmCall c = run_one(ex);
  CHECK(c.api == "bedrock.invoke");
  CHECK(c.provider == "aws.bedrock");
  CHECK(c.request_model == "us.anthropic.claude-sonnet-4-20250514-v1:0");
  CHECK(c.max_tokens == 1024);
  CHECK(c.input_tokens == 10);
  CHECK(c.output_tokens == 4);
  REQUIRE(c.cost_usd);  // the Bedrock id normalizes to claude-sonnet-4
  CHECK(*c.cost_usd == Approx((10 * 3.0 + 4 * 15.0) / 1e6));
}

TEST_CASE("anthropic: Bedrock headers give tokens when the body has none", "[llm][anthropic][bedrock]") {
  Exchange ex = json_exchange("bedrock-runtime.us-east-1.amazonaws.com", "/model/anthropic.claude-3-5-haiku-20241022-v1:0/invoke",
                              read_fixture("bedrock_invoke_request.json"),
                              R"({"type":"message","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn"})");
  ex.response_headers.push_back({"x-amzn-bedrock-input-token-count", "11"});
  ex.response_headers.push_back({"x-amzn-bedrock-output-token-count", "3"});
  LlmCall c = run_one(ex);
  CHECK(c.request_model == "anthropic.claude-3-5-haiku-20241022-v1:0");  // raw ':' kept in a Bedrock id
  CHECK(c.input_tokens == 11);
  CHECK(c.output_tokens == 3);
}

TEST_CASE("anthropic: Bedrock inference-profile ARN is decided by the body", "[llm][anthropic][bedrock]") {
  const char* target = "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Fabc/invoke";
  PriceTable prices;
  CollectingSink sink;
  LlmStage stage(sink, prices);
  Exchange claude = json_exchange("bedrock-runtime.us-east-1.amazonaws.com", target,
                                  read_fixture("bedrock_invoke_request.json"), read_fixture("bedrock_invoke.json"));
  auto calls = run(stage, sink, claude, 1);
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].api == "bedrock.invoke");
  CHECK(calls[0].output_tokens == 4);

  Exchange titan = json_exchange("bedrock-runtime.us-east-1.amazonaws.com", target,
                                 R"({"inputText":"hello","textGenerationConfig":{"maxTokenCount":10}})",
                                 R"({"inputTextTokenCount":2,"results":[]})");
  CHECK(run(stage, sink, titan, 2).empty());
  CHECK(stage.stats().non_llm_exchanges == 1);
  CHECK(stage.stats().llm_calls == 1);
  CHECK(stage.live_exchanges() == 0);
}

namespace {
Exchange bedrock_stream(std::string body) {
  Exchange ex = json_exchange("bedrock-runtime.us-west-2.amazonaws.com",
                              "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream",
                              read_fixture("bedrock_invoke_request.json"), std::move(body));
  ex.response_headers = {{"content-type", "application/vnd.amazon.eventstream"}, {"transfer-encoding", "chunked"},
                         {"x-amzn-bedrock-content-type", "application/json"}};
  return ex;
}
}  // namespace

TEST_CASE("anthropic: Bedrock binary event stream carries the same events", "[llm][anthropic][bedrock]") {
  Exchange ex = bedrock_stream(aws_eventstream_from_sse(read_fixture("anthropic_messages_stream.sse")));
  LlmCall c = run_one(ex);
  CHECK(c.api == "bedrock.invoke");
  CHECK(c.provider == "aws.bedrock");
  CHECK(c.stream);
  CHECK(c.request_model == "us.anthropic.claude-sonnet-4-5-20250929-v1:0");
  CHECK(c.response_id == "msg_01XFDUDYJgAACzvnptvVoYEL");
  CHECK(c.input_tokens == 12 + 25000 + 1800);
  CHECK(c.output_tokens == 85);
  CHECK(c.cache_read_tokens == 25000);
  REQUIRE(c.tool_calls.size() == 1);
  CHECK(c.tool_calls[0].name == "Bash");
  CHECK(c.chunk_count == 5);
  CHECK_FALSE(c.incomplete);
  CHECK_FALSE(c.usage_missing);
  CHECK(c.cost_usd);
}

TEST_CASE("anthropic: Bedrock stream invocation metrics and exceptions", "[llm][anthropic][bedrock]") {
  std::string sse =
      "data: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"claude-3-5-haiku-20241022\",\"usage\":{\"output_tokens\":1}}}\n\n"
      "data: {\"type\":\"message_stop\",\"amazon-bedrock-invocationMetrics\":{\"inputTokenCount\":77,\"outputTokenCount\":9,\"invocationLatency\":500,\"firstByteLatency\":100}}\n\n";
  LlmCall c = run_one(bedrock_stream(aws_eventstream_from_sse(sse)));
  CHECK(c.input_tokens == 77);
  CHECK(c.output_tokens == 9);

  std::string body = aws_eventstream_from_sse(read_fixture("anthropic_messages_stream.sse").substr(0, 700));
  body += aws_message({{":exception-type", "throttlingException"}, {":content-type", "application/json"},
                       {":message-type", "exception"}},
                      R"({"message":"Too many requests, please wait before trying again."})");
  LlmCall t = run_one(bedrock_stream(body));
  CHECK(t.error_type == "throttlingException");
  CHECK_FALSE(t.incomplete);
}

TEST_CASE("anthropic: a corrupt Bedrock event stream is reported malformed", "[llm][anthropic][bedrock]") {
  std::string garbage = aws_eventstream_from_sse(read_fixture("anthropic_messages_stream.sse"));
  garbage[9] ^= 0x01;  // prelude CRC of the very first message
  LlmCall c = run_one(bedrock_stream(garbage));
  CHECK(c.incomplete);
  CHECK(c.incomplete_reason == "malformed");
  CHECK_FALSE(c.input_tokens);
}

TEST_CASE("anthropic: Bedrock ARN with a request cut at the cap is still recognised", "[llm][anthropic][bedrock]") {
  std::string big = R"({"anthropic_version":"bedrock-2023-05-31","max_tokens":1024,"messages":[{"role":"user","content":")" +
                    std::string(5000, 'z') + R"("}]})";
  Exchange ex = json_exchange("bedrock-runtime.us-east-1.amazonaws.com", "/model/arn%3Aaws%3Abedrock%3Ax%2Fprofile/invoke",
                              big, R"({"type":"message","stop_reason":"end_turn","usage":{"input_tokens":1300,"output_tokens":2}})");
  LlmStageOptions opts;
  opts.max_body_bytes = 1024;
  LlmCall c = run_one(ex, opts);
  CHECK(c.api == "bedrock.invoke");
  CHECK(c.request_truncated);
  CHECK(c.input_tokens == 1300);
}
