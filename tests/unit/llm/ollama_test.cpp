#include <catch2/catch.hpp>

#include "llm_test_harness.h"

using namespace agentprof;
using namespace agentprof::test;

namespace {
Exchange ollama_exchange(const char* target, std::string request, std::string response, const char* type,
                         int status = 200) {
  Exchange ex = json_exchange("localhost:11434", target, std::move(request), std::move(response), status);
  ex.response_headers = {{"content-type", type}, {"transfer-encoding", "chunked"}};
  return ex;
}
}  // namespace

TEST_CASE("ollama: /api/chat NDJSON stream with a tool call", "[llm][ollama]") {
  Exchange ex = ollama_exchange("/api/chat",
                                R"({"model":"llama3.2","messages":[{"role":"user","content":"why is the sky blue?"}],"options":{"num_predict":300,"temperature":0.5,"top_p":0.8}})",
                                read_fixture("ollama_chat_stream.ndjson"), "application/x-ndjson");
  LlmStageOptions opts;
  opts.capture_content = true;
  LlmCall c = run_one(ex, opts);
  CHECK(c.api == "ollama.chat");
  CHECK(c.provider == "ollama");
  CHECK(c.operation == "chat");
  CHECK(c.server_address == "localhost");
  CHECK(c.server_port == 11434);
  CHECK(c.stream);  // Ollama's default
  CHECK(c.max_tokens == 300);
  CHECK(c.temperature == Approx(0.5));
  CHECK(c.top_p == Approx(0.8));
  CHECK(c.response_model == "llama3.2");
  CHECK(c.finish_reasons == std::vector<std::string>{"stop"});
  REQUIRE(c.tool_calls.size() == 1);
  CHECK(c.tool_calls[0].name == "get_color");
  CHECK(c.input_tokens == 26);
  CHECK(c.output_tokens == 282);
  CHECK(c.chunk_count == 3);
  CHECK(c.output_text == "The sky");
  CHECK_FALSE(c.cost_usd);  // local models are not priced
}

TEST_CASE("ollama: /api/generate stream:false, omitted prompt_eval_count means 0", "[llm][ollama]") {
  Exchange ex = ollama_exchange("/api/generate", R"({"model":"qwen2.5:7b","prompt":"2+2?","stream":false})",
                                read_fixture("ollama_generate.json"), "application/json; charset=utf-8");
  LlmCall c = run_one(ex);
  CHECK(c.api == "ollama.generate");
  CHECK(c.operation == "text_completion");
  CHECK_FALSE(c.stream);
  CHECK(c.input_tokens == 0);
  CHECK(c.output_tokens == 3);
  CHECK(c.finish_reasons == std::vector<std::string>{"stop"});
  CHECK(c.chunk_count == 0);
}

TEST_CASE("ollama: error object", "[llm][ollama]") {
  Exchange ex = ollama_exchange("/api/chat", R"({"model":"llama9","messages":[]})", read_fixture("ollama_error.json"),
                                "application/json; charset=utf-8", 404);
  LlmCall c = run_one(ex);
  CHECK(c.error_type == "404");
  CHECK_FALSE(c.input_tokens);
  CHECK_FALSE(c.usage_missing);
}
