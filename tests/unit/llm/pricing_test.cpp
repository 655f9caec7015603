#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include "llm/pricing.h"

using namespace agentprof;

namespace {
PriceTable defaults() {
  PriceTable t;
  std::string error;
  REQUIRE(t.load_defaults(error));
  CHECK(error.empty());
  return t;
}

LlmCall call(const char* model, int64_t in, std::optional<int64_t> out, int64_t cache_read = 0, int64_t cache_write = 0) {
  LlmCall c;
  c.operation = "chat";
  c.response_model = model;
  c.input_tokens = in;
  c.output_tokens = out;
  if (cache_read) c.cache_read_tokens = cache_read;
  if (cache_write) c.cache_creation_tokens = cache_write;
  return c;
}
}  // namespace

TEST_CASE("pricing: the compiled-in table has the required models", "[llm][pricing]") {
  PriceTable t = defaults();
  for (const char* m : {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "o3", "o4-mini", "gpt-5", "claude-sonnet-4", "claude-sonnet-4-5",
                        "claude-opus-4", "claude-opus-4-1", "claude-3-5-haiku", "gemini-2.5-pro", "gemini-2.5-flash"}) {
    INFO(m);
    CHECK(t.find(m) != nullptr);
  }
  CHECK(t.find("gpt-4o")->base.input == Approx(2.50));
  CHECK(t.find("gpt-4o")->base.output == Approx(10.0));
  CHECK(t.find("gpt-4o")->base.cache_read == Approx(1.25));
}

TEST_CASE("pricing: exact, then longest prefix at a boundary; provider prefixes normalized", "[llm][pricing]") {
  PriceTable t = defaults();
  CHECK(t.find("gpt-4o-2024-08-06") == t.find("gpt-4o"));
  CHECK(t.find("gpt-4o-mini-2024-07-18") == t.find("gpt-4o-mini"));
  CHECK(t.find("claude-sonnet-4-5-20250929") == t.find("claude-sonnet-4-5"));
  CHECK(t.find("claude-sonnet-4-20250514") == t.find("claude-sonnet-4"));
  CHECK(t.find("claude-opus-4-1-20250805") == t.find("claude-opus-4-1"));
  CHECK(t.find("claude-3-5-haiku-latest") == t.find("claude-3-5-haiku"));
  CHECK(t.find("claude-sonnet-4@20250514") == t.find("claude-sonnet-4"));                  // Vertex
  CHECK(t.find("us.anthropic.claude-sonnet-4-5-20250929-v1:0") == t.find("claude-sonnet-4-5"));  // Bedrock
  CHECK(t.find("openai/gpt-4o") == t.find("gpt-4o"));                                      // OpenRouter
  CHECK(t.find("models/gemini-2.5-flash") == t.find("gemini-2.5-flash"));
  CHECK(t.find("GPT-4O") == t.find("gpt-4o"));
  CHECK(t.find("gpt-4ox") == nullptr);  // not at a boundary
  CHECK(t.find("llama3.2") == nullptr);
  CHECK(t.find("") == nullptr);
}

TEST_CASE("pricing: cost formula with cache reads, cache writes and output", "[llm][pricing]") {
  PriceTable t = defaults();
  // Anthropic semconv input already includes cache read + creation.
  auto c = call("claude-sonnet-4-5-20250929", 100 + 1000 + 2000, 50, 1000, 2000);
  CHECK(*t.cost(c) == Approx((100 * 3.0 + 1000 * 0.30 + 2000 * 3.75 + 50 * 15.0) / 1e6));
  // Missing cache_write price bills at the input price.
  auto o = call("gpt-4o", 1000, 10, 0, 100);
  CHECK(*t.cost(o) == Approx((900 * 2.5 + 100 * 2.5 + 10 * 10.0) / 1e6));
  // Request model used when the response has none.
  LlmCall r = call("unknown-x", 10, 10);
  r.response_model.reset();
  r.request_model = "gpt-4.1";
  CHECK(*t.cost(r) == Approx((10 * 2.0 + 10 * 8.0) / 1e6));
}

TEST_CASE("pricing: tiers by input size", "[llm][pricing]") {
  PriceTable t = defaults();
  CHECK(*t.cost(call("claude-sonnet-4-5", 200000, 0)) == Approx(200000 * 3.0 / 1e6));
  CHECK(*t.cost(call("claude-sonnet-4-5", 200001, 10)) == Approx((200001 * 6.0 + 10 * 22.5) / 1e6));
  CHECK(*t.cost(call("gemini-2.5-pro", 300000, 0)) == Approx(300000 * 2.5 / 1e6));
}

TEST_CASE("pricing: no number rather than a wrong one", "[llm][pricing]") {
  PriceTable t = defaults();
  CHECK_FALSE(t.cost(call("no-such-model", 10, 10)));
  CHECK_FALSE(t.cost(call("gpt-4o", 10, std::nullopt)));  // output unknown
  LlmCall no_in = call("gpt-4o", 10, 10);
  no_in.input_tokens.reset();
  CHECK_FALSE(t.cost(no_in));
  CHECK_FALSE(t.cost(call("gpt-4o", 10, 10, 50)));  // cached > input: inconsistent
  LlmCall emb = call("text-embedding-3-small", 1000, std::nullopt);
  emb.operation = "embeddings";
  CHECK(*t.cost(emb) == Approx(1000 * 0.02 / 1e6));
}

TEST_CASE("pricing: user file overrides and extends; errors are clear and change nothing", "[llm][pricing]") {
  PriceTable t = defaults();
  size_t n = t.size();
  std::string error;
  std::string path = "/tmp/agentprof_llm_prices_test_" + std::to_string(::getpid()) + ".json";
  {
    std::ofstream f(path);
    f << R"({"models":{"gpt-4o":{"input":1,"output":2},"my-local-model":{"input":0.5,"output":0.5,"cache_read":0.1}}})";
  }
  REQUIRE(t.merge_file(path, error));
  CHECK(t.size() == n + 1);
  CHECK(*t.cost(call("gpt-4o-2024-11-20", 1000, 1000)) == Approx((1000 * 1.0 + 1000 * 2.0) / 1e6));
  CHECK(t.find("my-local-model") != nullptr);

  {
    std::ofstream f(path);
    f << R"({"models":{"a":{"input":1,"output":2},"b":{"input":-1,"output":2}}})";
  }
  CHECK_FALSE(t.merge_file(path, error));
  CHECK(error.find("\"b\"") != std::string::npos);
  CHECK(error.find("input") != std::string::npos);
  CHECK(t.find("a") == nullptr);  // all or nothing

  {
    std::ofstream f(path);
    f << R"({"models":{"a":{"input":1}}})";
  }
  CHECK_FALSE(t.merge_file(path, error));
  CHECK(error.find("missing \"output\"") != std::string::npos);
  {
    std::ofstream f(path);
    f << "{not json";
  }
  CHECK_FALSE(t.merge_file(path, error));
  CHECK(error.find("invalid JSON") != std::string::npos);
  {
    std::ofstream f(path);
    f << R"({"models":{"a":{"input":1,"output":1,"tiers":[{"input":2,"output":2}]}}})";
  }
  CHECK_FALSE(t.merge_file(path, error));
  CHECK(error.find("above_input_tokens") != std::string::npos);
  std::remove(path.c_str());
  CHECK_FALSE(t.merge_file(path, error));
  CHECK(error.find("cannot open") != std::string::npos);
  CHECK(t.size() == n + 1);
}
