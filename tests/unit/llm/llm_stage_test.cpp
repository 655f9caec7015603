// Stage behaviour common to all API families: selection, completeness, timing, caps, stats.
#include <catch2/catch.hpp>

#include "llm_test_harness.h"

using namespace agentprof;
using namespace agentprof::test;

namespace {
const PriceTable& default_prices() {
  static PriceTable p = [] {
    PriceTable t;
    std::string error;
    REQUIRE(t.load_defaults(error));
    return t;
  }();
  return p;
}

std::span<const uint8_t> bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

Exchange chat_stream() {
  return sse_exchange("api.openai.com", "/v1/chat/completions", read_fixture("openai_chat_request.json"),
                      read_fixture("openai_chat_stream.sse"));
}
}  // namespace

TEST_CASE("stage: exchanges that are not LLM APIs emit nothing and are counted", "[llm][stage]") {
  CollectingSink sink;
  LlmStage stage(sink, default_prices());
  Exchange get = json_exchange("example.com", "/index.html", "", "<html></html>");
  get.method = "GET";
  CHECK(run(stage, sink, get, 1).empty());
  Exchange post = json_exchange("api.openai.com", "/v1/files", R"({"purpose":"batch"})", "{}");
  CHECK(run(stage, sink, post, 2).empty());
  Exchange count = json_exchange("api.anthropic.com", "/v1/messages/count_tokens", R"({"model":"claude-sonnet-4-5"})",
                                 R"({"input_tokens":10})");
  CHECK(run(stage, sink, count, 3).empty());
  CHECK(stage.stats().exchanges_seen == 3);
  CHECK(stage.stats().non_llm_exchanges == 3);
  CHECK(stage.stats().llm_calls == 0);
  CHECK(stage.stats().unknown_exchange_events == 0);
  CHECK(stage.live_exchanges() == 0);
}

TEST_CASE("stage: timing fields and chunk gaps", "[llm][stage]") {
  Exchange ex = sse_exchange("api.openai.com", "/v1/chat/completions", R"({"model":"x","messages":[],"stream":true})",
                             read_fixture("openai_chat_stream_no_usage.sse"));
  // One SSE event per piece: keep-alive, role, "Bonjour", "!", [DONE].
  size_t at = 0;
  while ((at = ex.response_body.find("\n\n", at)) != std::string::npos) ex.splits.push_back(at += 2);
  LlmCall c = run_one(ex);
  CHECK(c.request_start_ns == kRequestStart);
  CHECK(c.request_end_ns == kRequestEnd);
  CHECK(c.response_start_ns == kResponseStart);
  CHECK(c.first_chunk_ns == kFirstPiece);
  CHECK(c.last_chunk_ns == kFirstPiece + 4 * kPieceStep);
  CHECK(c.end_ns == kFirstPiece + 5 * kPieceStep + 1);
  CHECK(c.chunk_count == 2);
  CHECK(c.mean_chunk_gap_s == Approx(0.005));
  CHECK(c.max_chunk_gap_s == Approx(0.005));
}

TEST_CASE("stage: no response", "[llm][stage]") {
  Exchange ex = chat_stream();
  ex.has_response = false;
  LlmCall c = run_one(ex);
  CHECK(c.incomplete);
  CHECK(c.incomplete_reason == "no_response");
  CHECK_FALSE(c.status_code);
  CHECK_FALSE(c.usage_missing);
  CHECK(c.request_model == "gpt-4o-mini");
}

TEST_CASE("stage: truncated streams are incomplete, with the reason from the body end", "[llm][stage]") {
  Exchange ex = chat_stream();
  ex.response_body.resize(ex.response_body.size() / 2);
  SECTION("gap") {
    ex.response_end = BodyEnd::kGap;
    LlmCall c = run_one(ex);
    CHECK(c.incomplete);
    CHECK(c.incomplete_reason == "gap");
    CHECK_FALSE(c.input_tokens);
    CHECK_FALSE(c.usage_missing);  // unknown, not missing
    CHECK(c.chunk_count > 0);
  }
  SECTION("closed mid chunked body") {
    ex.response_end = BodyEnd::kClosed;
    LlmCall c = run_one(ex);
    CHECK(c.incomplete_reason == "closed");
  }
  SECTION("malformed") {
    ex.response_end = BodyEnd::kMalformed;
    CHECK(run_one(ex).incomplete_reason == "malformed");
  }
  SECTION("http cap reached") {
    ex.response_end = BodyEnd::kTruncated;
    LlmCall c = run_one(ex);
    CHECK(c.incomplete_reason == "truncated");
    CHECK(c.response_truncated);
  }
  SECTION("complete on the wire but no end marker") {
    LlmCall c = run_one(ex);
    CHECK(c.incomplete);
    CHECK(c.incomplete_reason == "unfinished");
  }
}

TEST_CASE("stage: a read-until-close body ending with the connection is complete", "[llm][stage]") {
  Exchange ex = chat_stream();
  ex.response_headers = {{"content-type", "text/event-stream"}};  // no length, not chunked
  ex.response_end = BodyEnd::kClosed;
  LlmCall c = run_one(ex);
  CHECK_FALSE(c.incomplete);
  CHECK(c.input_tokens == 1250);
}

TEST_CASE("stage: exchange done before the response ended", "[llm][stage]") {
  PriceTable prices;
  CollectingSink sink;
  LlmStage stage(sink, prices);
  HttpRequestHead req{"POST", "/v1/messages", "HTTP/1.1", {{{"host", "api.anthropic.com"}}}};
  std::string body = R"({"model":"claude-sonnet-4-5","max_tokens":5,"messages":[],"stream":true})";
  stage.on_request_head(7, test_conn(), req, 1);
  stage.on_request_body(7, bytes(body), 2);
  stage.on_request_end(7, BodyEnd::kComplete, 3);
  HttpResponseHead resp{200, "OK", "HTTP/1.1", {{{"content-type", "text/event-stream"}, {"transfer-encoding", "chunked"}}}};
  stage.on_response_head(7, resp, 4);
  std::string part = read_fixture("anthropic_messages_stream.sse").substr(0, 900);
  stage.on_response_body(7, bytes(part), 5);
  stage.on_exchange_done(7, test_conn(), 6);
  REQUIRE(sink.calls.size() == 1);
  CHECK(sink.calls[0].incomplete_reason == "closed");
  CHECK(sink.calls[0].input_tokens == 12 + 25000 + 1800);
  CHECK_FALSE(sink.calls[0].output_tokens);
  CHECK(stage.stats().incomplete_calls == 1);
}

TEST_CASE("stage: oversized request body is capped, model still recovered", "[llm][stage]") {
  std::string big = R"({"metadata":{"model":"decoy"},"model":"gpt-4o","messages":[{"role":"user","content":")" +
                    std::string(20000, 'x') + R"("}],"stream":false})";
  Exchange ex = json_exchange("api.openai.com", "/v1/chat/completions", big, read_fixture("openai_chat.json"));
  LlmStageOptions opts;
  opts.max_body_bytes = 4096;
  PriceTable prices;
  CollectingSink sink;
  LlmStage stage(sink, prices, opts);
  auto calls = run(stage, sink, ex);
  REQUIRE(calls.size() == 1);
  const LlmCall& c = calls[0];
  CHECK(c.request_truncated);
  CHECK(c.request_body_bytes == big.size());
  CHECK(c.request_model == "gpt-4o");
  CHECK(c.input_tokens == 82);  // the response was still decoded
  CHECK(stage.stats().request_truncated == 1);
}

TEST_CASE("stage: oversized non-streamed response is flagged, not guessed", "[llm][stage]") {
  Exchange ex = json_exchange("api.openai.com", "/v1/chat/completions", R"({"model":"gpt-4o","messages":[]})",
                              read_fixture("openai_chat.json"));
  LlmStageOptions opts;
  opts.max_body_bytes = 256;
  LlmCall c = run_one(ex, opts);
  CHECK(c.response_truncated);
  CHECK_FALSE(c.input_tokens);
  CHECK_FALSE(c.usage_missing);
  CHECK(c.response_body_bytes == ex.response_body.size());
}

TEST_CASE("stage: bad JSON is counted as a decode error and the call still reported", "[llm][stage]") {
  PriceTable prices;
  CollectingSink sink;
  LlmStage stage(sink, prices);
  Exchange ex = sse_exchange("api.openai.com", "/v1/chat/completions", "{not json",
                             "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: {broken\n\n"
                             "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
  auto calls = run(stage, sink, ex);
  REQUIRE(calls.size() == 1);
  CHECK(stage.stats().decode_errors == 2);
  CHECK(calls[0].chunk_count == 1);
  CHECK(calls[0].finish_reasons == std::vector<std::string>{"stop"});
  CHECK_FALSE(calls[0].request_model);
  CHECK(calls[0].usage_missing);
  CHECK(stage.stats().usage_missing == 1);
  CHECK(stage.stats().unpriced_calls == 1);
}

TEST_CASE("stage: live exchanges are bounded and unknown ids are counted", "[llm][stage]") {
  PriceTable prices;
  CollectingSink sink;
  LlmStageOptions opts;
  opts.max_live_exchanges = 1;
  LlmStage stage(sink, prices, opts);
  HttpRequestHead req{"POST", "/v1/chat/completions", "HTTP/1.1", {{{"host", "api.openai.com"}}}};
  stage.on_request_head(1, test_conn(), req, 1);
  stage.on_request_head(2, test_conn(), req, 1);
  CHECK(stage.stats().dropped_exchanges == 1);
  CHECK(stage.live_exchanges() == 1);
  stage.on_request_end(2, BodyEnd::kComplete, 2);  // dropped: ignored quietly
  stage.on_response_body(99, bytes("x"), 3);        // never opened
  CHECK(stage.stats().unknown_exchange_events == 1);
  stage.on_exchange_done(1, test_conn(), 4);
  stage.on_exchange_done(2, test_conn(), 4);
  CHECK(sink.calls.size() == 1);
  CHECK(stage.live_exchanges() == 0);
}

TEST_CASE("stage: secrets never reach the call", "[llm][stage]") {
  Exchange ex = chat_stream();
  ex.target = "/v1/chat/completions?key=sk-secret-in-query";
  ex.request_headers.push_back({"authorization", "Bearer sk-secret-header"});
  ex.request_headers.push_back({"x-api-key", "sk-secret-header"});
  ex.request_headers.push_back({"api-key", "sk-secret-header"});
  LlmStageOptions opts;
  opts.capture_content = true;
  LlmCall c = run_one(ex, opts);
  std::string all = c.url_path + c.user_agent + c.server_address + c.method + c.input_messages.value_or("") +
                    c.output_text.value_or("") + c.conversation_id.value_or("") + c.request_model.value_or("");
  CHECK(all.find("sk-secret") == std::string::npos);
  CHECK(c.url_path == "/v1/chat/completions");
}

TEST_CASE("stage: request head without Host uses the connection's address", "[llm][stage]") {
  Exchange ex = json_exchange("ignored", "/api/generate", R"({"model":"m","prompt":"p","stream":false})",
                              read_fixture("ollama_generate.json"));
  ex.request_headers.clear();
  LlmCall c = run_one(ex);
  CHECK(c.server_address == "203.0.113.7");
  CHECK(c.server_port == 443);
}

TEST_CASE("stage: total buffered bytes are bounded across concurrent exchanges", "[llm][stage]") {
  PriceTable prices;
  CollectingSink sink;
  LlmStageOptions opts;
  opts.max_total_buffered_bytes = 300;
  LlmStage stage(sink, prices, opts);
  HttpRequestHead req{"POST", "/v1/chat/completions", "HTTP/1.1", {{{"host", "api.openai.com"}}}};
  std::string first = R"({"model":"gpt-4o","messages":[{"role":"user","content":")" + std::string(200, 'a') + R"("}]})";
  std::string second = R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":")" + std::string(100, 'b') + R"("}]})";
  stage.on_request_head(1, test_conn(), req, 1);
  stage.on_request_head(2, test_conn(), req, 1);
  stage.on_request_body(1, bytes(first), 2);
  CHECK(stage.buffered_bytes() == first.size());
  stage.on_request_body(2, bytes(second), 2);  // does not fit beside the first
  CHECK(stage.stats().buffer_budget_hits == 1);
  stage.on_request_end(1, BodyEnd::kComplete, 3);
  stage.on_request_end(2, BodyEnd::kComplete, 3);
  CHECK(stage.buffered_bytes() == 0);  // parsed bodies are released at once
  stage.on_exchange_done(1, test_conn(), 4);
  stage.on_exchange_done(2, test_conn(), 4);
  REQUIRE(sink.calls.size() == 2);
  CHECK_FALSE(sink.calls[0].request_truncated);
  CHECK(sink.calls[0].request_model == "gpt-4o");
  CHECK(sink.calls[1].request_truncated);
  CHECK(sink.calls[1].request_body_bytes == second.size());
}

TEST_CASE("stage: an event stream sent with a non-SSE content type is still decoded", "[llm][stage]") {
  Exchange ex = chat_stream();
  ex.response_headers = {{"content-type", "text/plain; charset=utf-8"}, {"transfer-encoding", "chunked"}};
  LlmCall c = run_one(ex);
  CHECK(c.input_tokens == 1250);
  CHECK(c.output_tokens == 48);
  CHECK(c.tool_calls.size() == 2);
  CHECK_FALSE(c.incomplete);
}
