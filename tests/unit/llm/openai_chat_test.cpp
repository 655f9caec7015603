#include <catch2/catch.hpp>

#include "llm_test_harness.h"

using namespace agentprof;
using namespace agentprof::test;

TEST_CASE("openai chat: SSE stream with include_usage and tool calls", "[llm][openai_chat]") {
  Exchange ex = sse_exchange("api.openai.com", "/v1/chat/completions", read_fixture("openai_chat_request.json"),
                             read_fixture("openai_chat_stream.sse"));
  ex.request_headers.push_back({"user-agent", "OpenAI/Python 1.99.1"});
  ex.request_headers.push_back({"x-stainless-retry-count", "2"});
  ex.response_headers.push_back({"x-ratelimit-remaining-requests", "9999"});
  ex.response_headers.push_back({"x-ratelimit-remaining-tokens", "149984"});
  LlmCall c = run_one(ex);
  CHECK(c.api == "openai.chat_completions");
  CHECK(c.provider == "openai");
  CHECK(c.operation == "chat");
  CHECK(c.server_address == "api.openai.com");
  CHECK(c.server_port == 443);
  CHECK(c.url_path == "/v1/chat/completions");
  CHECK(c.user_agent == "OpenAI/Python 1.99.1");
  CHECK(c.retry_count == 2);
  CHECK(c.ratelimit_remaining_requests == 9999);
  CHECK(c.ratelimit_remaining_tokens == 149984);
  CHECK(c.request_model == "gpt-4o-mini");
  CHECK(c.stream);
  CHECK(c.max_tokens == 256);
  CHECK(c.temperature == Approx(0.2));
  CHECK(c.top_p == Approx(0.9));
  CHECK(c.status_code == 200);
  CHECK(c.response_model == "gpt-4o-mini-2024-07-18");
  CHECK(c.response_id == "chatcmpl-B9x1");
  CHECK(c.finish_reasons == std::vector<std::string>{"tool_calls"});
  REQUIRE(c.tool_calls.size() == 2);
  CHECK(c.tool_calls[0].id == "call_Qx7");
  CHECK(c.tool_calls[0].name == "get_weather");
  CHECK(c.tool_calls[1].id == "call_R2d");
  CHECK(c.tool_calls[1].name == "get_time");
  CHECK(c.input_tokens == 1250);
  CHECK(c.output_tokens == 48);
  CHECK(c.cache_read_tokens == 1024);
  CHECK(c.reasoning_tokens == 0);
  CHECK_FALSE(c.cache_creation_tokens);
  CHECK_FALSE(c.usage_missing);
  CHECK_FALSE(c.incomplete);
  CHECK_FALSE(c.error_type);
  CHECK(c.chunk_count == 6);  // 2 text deltas + 4 tool-call fragments; role/finish/usage chunks carry none
  CHECK(c.response_body_bytes == ex.response_body.size());
  CHECK(c.request_body_bytes == ex.request_body.size());
  REQUIRE(c.cost_usd);
  // gpt-4o-mini: (1250-1024) * 0.15 + 1024 * 0.075 + 48 * 0.60 per 1M.
  CHECK(*c.cost_usd == Approx((226 * 0.15 + 1024 * 0.075 + 48 * 0.60) / 1e6));
  CHECK_FALSE(c.input_messages);  // content is opt-in
  CHECK_FALSE(c.output_text);
  CHECK(c.conn.key.tgid == 4242);
}

TEST_CASE("openai chat: stream without include_usage reports tokens absent, never 0", "[llm][openai_chat]") {
  Exchange ex = sse_exchange("localhost:8000", "/v1/chat/completions",
                             R"({"model":"meta-llama/Llama-3.1-8B-Instruct","messages":[],"stream":true})",
                             read_fixture("openai_chat_stream_no_usage.sse"));
  LlmCall c = run_one(ex);
  CHECK(c.provider == "openai");  // unknown host: the API family's provider
  CHECK(c.server_address == "localhost");
  CHECK(c.server_port == 8000);
  CHECK(c.finish_reasons == std::vector<std::string>{"stop"});
  CHECK_FALSE(c.input_tokens);
  CHECK_FALSE(c.output_tokens);
  CHECK(c.usage_missing);
  CHECK_FALSE(c.incomplete);
  CHECK_FALSE(c.cost_usd);
  CHECK(c.chunk_count == 2);
}

TEST_CASE("openai chat: non-streamed response", "[llm][openai_chat]") {
  Exchange ex = json_exchange("api.openai.com", "/v1/chat/completions",
                              R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"max_tokens":100})",
                              read_fixture("openai_chat.json"));
  LlmCall c = run_one(ex);
  CHECK_FALSE(c.stream);
  CHECK(c.max_tokens == 100);
  CHECK(c.response_model == "gpt-4o-2024-08-06");
  CHECK(c.response_id == "chatcmpl-AbC123");
  CHECK(c.finish_reasons == std::vector<std::string>{"tool_calls"});
  REQUIRE(c.tool_calls.size() == 1);
  CHECK(c.tool_calls[0].id == "call_abc");
  CHECK(c.tool_calls[0].name == "get_weather");
  CHECK(c.input_tokens == 82);
  CHECK(c.output_tokens == 17);
  CHECK(c.cache_read_tokens == 0);
  CHECK(c.chunk_count == 0);  // not a stream
  REQUIRE(c.cost_usd);
  CHECK(*c.cost_usd == Approx((82 * 2.5 + 17 * 10.0) / 1e6));
  CHECK(c.first_chunk_ns == kFirstPiece);
}

TEST_CASE("openai chat: HTTP 429 error body", "[llm][openai_chat]") {
  Exchange ex = json_exchange("api.openai.com", "/v1/chat/completions",
                              R"({"model":"gpt-4o","messages":[],"stream":true})",
                              read_fixture("openai_error_429.json"), 429);
  ex.response_headers.push_back({"x-ratelimit-remaining-tokens", "0"});
  LlmCall c = run_one(ex);
  CHECK(c.status_code == 429);
  CHECK(c.error_type == "rate_limit_exceeded");
  CHECK(c.ratelimit_remaining_tokens == 0);
  CHECK_FALSE(c.input_tokens);
  CHECK_FALSE(c.usage_missing);  // errors carry no usage: not a missing-usage case
  CHECK_FALSE(c.incomplete);
  CHECK_FALSE(c.cost_usd);
}

TEST_CASE("openai chat: HTTP error without a body uses the status as error type", "[llm][openai_chat]") {
  Exchange ex = json_exchange("api.openai.com", "/v1/chat/completions", R"({"model":"gpt-4o","messages":[]})", "", 503);
  LlmCall c = run_one(ex);
  CHECK(c.error_type == "503");
}

TEST_CASE("openai chat: mid-stream error event", "[llm][openai_chat]") {
  Exchange ex = sse_exchange("api.openai.com", "/v1/chat/completions",
                             R"({"model":"gpt-4o","messages":[],"stream":true})",
                             read_fixture("openai_chat_stream_midstream_error.sse"));
  LlmCall c = run_one(ex);
  CHECK(c.status_code == 200);
  CHECK(c.error_type == "server_error");
  CHECK_FALSE(c.input_tokens);
  CHECK_FALSE(c.usage_missing);
  CHECK(c.chunk_count == 1);
}

TEST_CASE("openai chat: Azure deployment path, model from the path, query dropped", "[llm][openai_chat]") {
  Exchange ex = json_exchange("myres.openai.azure.com",
                              "/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21",
                              R"({"messages":[{"role":"user","content":"hi"}]})", read_fixture("openai_chat.json"));
  LlmCall c = run_one(ex);
  CHECK(c.provider == "azure.ai.openai");
  CHECK(c.url_path == "/openai/deployments/gpt4o-prod/chat/completions");
  CHECK(c.request_model == "gpt4o-prod");
  CHECK(c.response_model == "gpt-4o-2024-08-06");
}

TEST_CASE("openai chat: other hosts speaking the API", "[llm][openai_chat]") {
  struct Case { const char* host; const char* target; const char* provider; };
  for (Case k : {Case{"openrouter.ai", "/api/v1/chat/completions", "openrouter"},
                 Case{"generativelanguage.googleapis.com", "/v1beta/openai/chat/completions", "gcp.gemini"},
                 Case{"api.deepseek.com", "/chat/completions", "deepseek"},
                 Case{"api.groq.com", "/openai/v1/chat/completions", "groq"},
                 Case{"api.mistral.ai", "/v1/chat/completions", "mistral_ai"},
                 Case{"api.x.ai", "/v1/chat/completions", "x_ai"},
                 Case{"localhost:11434", "/v1/chat/completions", "ollama"}}) {
    Exchange ex = json_exchange(k.host, k.target, R"({"model":"m","messages":[]})", read_fixture("openai_chat.json"));
    LlmCall c = run_one(ex);
    INFO(k.host);
    CHECK(c.api == "openai.chat_completions");
    CHECK(c.provider == k.provider);
    CHECK(c.input_tokens == 82);
  }
}

TEST_CASE("openai chat: content capture is opt-in and capped", "[llm][openai_chat]") {
  Exchange ex = sse_exchange("api.openai.com", "/v1/chat/completions", read_fixture("openai_chat_request.json"),
                             read_fixture("openai_chat_stream.sse"));
  LlmStageOptions opts;
  opts.capture_content = true;
  LlmCall c = run_one(ex, opts);
  REQUIRE(c.input_messages);
  CHECK(c.input_messages->find("Weather in Paris?") != std::string::npos);
  CHECK(c.input_messages->front() == '[');
  REQUIRE(c.output_text);
  CHECK(*c.output_text == "Let me check.");

  opts.max_content_bytes = 5;
  LlmCall capped = run_one(ex, opts);
  CHECK(capped.output_text == "Let m");
  CHECK(capped.input_messages->size() == 5);
}

TEST_CASE("openai chat: vLLM usage chunk with choices null", "[llm][openai_chat]") {
  std::string body =
      "data: {\"id\":\"cmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"Qwen/Qwen2.5-7B\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}]}\n\n"
      "data: {\"id\":\"cmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"Qwen/Qwen2.5-7B\",\"choices\":null,\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":1,\"total_tokens\":8}}\n\n"
      "data: [DONE]\n\n";
  Exchange ex = sse_exchange("10.0.0.5:8000", "/v1/chat/completions",
                             R"({"model":"Qwen/Qwen2.5-7B","messages":[],"stream":true,"stream_options":{"include_usage":true}})", body);
  LlmCall c = run_one(ex);
  CHECK(c.input_tokens == 7);
  CHECK(c.output_tokens == 1);
  CHECK_FALSE(c.cache_read_tokens);
  CHECK_FALSE(c.usage_missing);
  CHECK(c.server_address == "10.0.0.5");
}

TEST_CASE("openai chat: OpenRouter's billed usage.cost is used over list prices", "[llm][openai_chat]") {
  std::string body = R"({"id":"gen-1","model":"openai/gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"stop"}],"usage":{"prompt_tokens":100,"completion_tokens":10,"total_tokens":110,"cost":0.00042}})";
  LlmCall c = run_one(json_exchange("openrouter.ai", "/api/v1/chat/completions", R"({"model":"openai/gpt-4o","messages":[]})", body));
  CHECK(c.cost_usd == Approx(0.00042));
  // Elsewhere a "cost" field is not trusted: the list price applies.
  LlmCall d = run_one(json_exchange("api.openai.com", "/v1/chat/completions", R"({"model":"gpt-4o","messages":[]})", body));
  CHECK(d.cost_usd == Approx((100 * 2.5 + 10 * 10.0) / 1e6));
}
