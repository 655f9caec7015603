// A response body split at any byte boundary must decode to the same call: one stream per family.
#include <catch2/catch.hpp>

#include <sstream>

#include "llm_test_harness.h"

using namespace agentprof;
using namespace agentprof::test;

namespace {

// Everything the body determines, except timing (which depends on the pieces by design).
std::string digest(const LlmCall& c) {
  std::ostringstream s;
  auto opt = [&](const auto& v) {
    if (v) s << *v;
    else s << "-";
    s << '|';
  };
  opt(c.response_id);
  opt(c.response_model);
  for (const auto& r : c.finish_reasons) s << r << ',';
  for (const auto& t : c.tool_calls) s << t.id << ':' << t.name << ',';
  opt(c.input_tokens);
  opt(c.output_tokens);
  opt(c.cache_read_tokens);
  opt(c.cache_creation_tokens);
  opt(c.reasoning_tokens);
  opt(c.error_type);
  opt(c.output_text);
  s << c.usage_missing << c.incomplete << c.incomplete_reason << c.response_truncated << '|' << c.chunk_count << '|'
    << c.response_body_bytes;
  return s.str();
}

struct Family {
  const char* name;
  Exchange ex;
};

std::vector<Family> families() {
  std::vector<Family> f;
  f.push_back({"openai_chat", sse_exchange("api.openai.com", "/v1/chat/completions", read_fixture("openai_chat_request.json"),
                                           read_fixture("openai_chat_stream.sse"))});
  f.push_back({"openai_completions", sse_exchange("api.openai.com", "/v1/completions", R"({"model":"m","prompt":"p","stream":true})",
                                                  read_fixture("openai_completions_stream.sse"))});
  f.push_back({"openai_responses", sse_exchange("api.openai.com", "/v1/responses", R"({"model":"o4-mini","input":"x","stream":true})",
                                                read_fixture("openai_responses_stream.sse"))});
  f.push_back({"anthropic", sse_exchange("api.anthropic.com", "/v1/messages", read_fixture("anthropic_request.json"),
                                         read_fixture("anthropic_messages_stream.sse"))});
  f.push_back({"gemini_sse", sse_exchange("generativelanguage.googleapis.com",
                                          "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse",
                                          read_fixture("gemini_request.json"), read_fixture("gemini_stream.sse"))});
  Exchange arr = json_exchange("generativelanguage.googleapis.com", "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
                               R"({"contents":[]})", read_fixture("gemini_stream_array.json"));
  arr.response_headers = {{"content-type", "application/json"}, {"transfer-encoding", "chunked"}};
  f.push_back({"gemini_array", arr});
  Exchange nd = json_exchange("localhost:11434", "/api/chat", R"({"model":"llama3.2","messages":[]})",
                              read_fixture("ollama_chat_stream.ndjson"));
  nd.response_headers = {{"content-type", "application/x-ndjson"}, {"transfer-encoding", "chunked"}};
  f.push_back({"ollama", nd});
  Exchange aws = json_exchange("bedrock-runtime.us-east-1.amazonaws.com", "/model/anthropic.claude-x/invoke-with-response-stream",
                               read_fixture("bedrock_invoke_request.json"),
                               aws_eventstream_from_sse(read_fixture("anthropic_messages_stream.sse")));
  aws.response_headers = {{"content-type", "application/vnd.amazon.eventstream"}, {"transfer-encoding", "chunked"}};
  f.push_back({"bedrock_eventstream", aws});
  Exchange whole = json_exchange("api.anthropic.com", "/v1/messages", R"({"model":"m","max_tokens":1,"messages":[]})",
                                 read_fixture("anthropic_messages.json"));
  f.push_back({"anthropic_json", whole});
  return f;
}

}  // namespace

TEST_CASE("split invariance: every byte boundary gives the same call", "[llm][split]") {
  PriceTable prices;
  LlmStageOptions opts;
  opts.capture_content = true;
  for (Family& fam : families()) {
    INFO(fam.name);
    CollectingSink sink;
    LlmStage stage(sink, prices, opts);
    auto ref = run(stage, sink, fam.ex, 1);
    REQUIRE(ref.size() == 1);
    std::string want = digest(ref[0]);
    CHECK(ref[0].output_tokens);  // the reference itself decoded something real
    ExchangeId id = 2;
    size_t mismatches = 0;
    for (size_t cut = 1; cut < fam.ex.response_body.size(); ++cut) {
      Exchange ex = fam.ex;
      ex.splits = {cut};
      auto got = run(stage, sink, ex, id++);
      if (got.size() != 1 || digest(got[0]) != want) {
        if (mismatches++ == 0) {
          INFO("first mismatch at byte " << cut);
          CHECK(got.size() == 1);
          if (got.size() == 1) CHECK(digest(got[0]) == want);
        }
      }
    }
    CHECK(mismatches == 0);
    // And tiny pieces everywhere (1..7 bytes).
    for (size_t piece = 1; piece <= 7; ++piece) {
      Exchange ex = fam.ex;
      ex.piece_size = piece;
      auto got = run(stage, sink, ex, id++);
      REQUIRE(got.size() == 1);
      CHECK(digest(got[0]) == want);
    }
    CHECK(stage.stats().decode_errors == 0);
    CHECK(stage.live_exchanges() == 0);
  }
}

TEST_CASE("truncation: every family cut mid-stream is incomplete, never falsely complete", "[llm][split]") {
  PriceTable prices;
  for (Family& fam : families()) {
    INFO(fam.name);
    CollectingSink sink;
    LlmStage stage(sink, prices);
    Exchange ex = fam.ex;
    ex.response_body.resize(ex.response_body.size() / 2);
    ex.response_end = BodyEnd::kClosed;
    auto got = run(stage, sink, ex, 1);
    REQUIRE(got.size() == 1);
    CHECK(got[0].incomplete);
    CHECK(got[0].incomplete_reason == "closed");
    CHECK_FALSE(got[0].usage_missing);
  }
}
