#include <catch2/catch.hpp>

#include <set>

#include "llm/llm_call.h"
#include "trace/attribute_names.h"
#include "trace/span_builder.h"

using namespace agentprof;

namespace {

struct CollectingSink : SpanSink {
  std::vector<Span> spans;
  void on_span(const Span& s) override { spans.push_back(s); }
};

constexpr int64_t kOffset = 1'700'000'000'000'000'000;  // realtime - monotonic

SpanBuilderOptions test_options() {
  SpanBuilderOptions o;
  o.clock = ClockOffset{kOffset};
  o.id_seed = 42;
  o.monotonic_now = [] { return uint64_t(5'000'000'000); };
  return o;
}

LlmCall full_call() {
  LlmCall c;
  c.conn.key.tgid = 4242;
  c.conn.tid = 4243;
  c.conn.comm = "python3";
  c.conn.role = Role::kClient;
  c.conn.remote = {"162.159.140.245", 443};
  c.api = "anthropic.messages";
  c.provider = "anthropic";
  c.operation = "chat";
  c.server_address = "api.anthropic.com";
  c.server_port = 443;
  c.method = "POST";
  c.url_path = "/v1/messages";
  c.user_agent = "Anthropic/Python 0.40.0";
  c.http_version = "2";
  c.request_model = "claude-sonnet-4-5";
  c.stream = true;
  c.max_tokens = 1024;
  c.temperature = 0.5;
  c.top_p = 0.9;
  c.retry_count = 1;
  c.conversation_id = "sess-1";
  c.status_code = 200;
  c.response_model = "claude-sonnet-4-5-20250929";
  c.response_id = "msg_01";
  c.finish_reasons = {"tool_use"};
  c.tool_calls = {{"toolu_1", "get_weather"}, {"toolu_2", "search"}};
  c.ratelimit_remaining_requests = 49;
  c.ratelimit_remaining_tokens = 39000;
  c.input_tokens = 1500;
  c.output_tokens = 300;
  c.cache_read_tokens = 1000;
  c.cache_creation_tokens = 200;
  c.reasoning_tokens = 50;
  c.request_start_ns = 10'000'000'000;
  c.request_end_ns = 10'010'000'000;
  c.response_start_ns = 10'400'000'000;
  c.first_chunk_ns = 10'460'000'000;
  c.last_chunk_ns = 12'000'000'000;
  c.end_ns = 12'001'000'000;
  c.chunk_count = 40;
  c.mean_chunk_gap_s = 0.04;
  c.max_chunk_gap_s = 0.3;
  c.request_body_bytes = 5000;
  c.response_body_bytes = 9000;
  c.cost_usd = 0.0123;
  c.input_messages = R"([{"role":"user"}])";
  c.output_text = "hello";
  return c;
}

std::set<std::string> keys_of(const Span& s) {
  std::set<std::string> keys;
  for (const auto& a : s.attributes) keys.insert(a.key);
  return keys;
}

template <typename T>
T value_of(const Span& s, const char* key) {
  INFO(key);
  const T* v = s.get<T>(key);
  REQUIRE(v != nullptr);
  return *v;
}

}  // namespace

TEST_CASE("span from a complete streaming call carries every attribute with its exact type") {
  CollectingSink sink;
  SpanBuilder builder(sink, test_options());
  builder.on_llm_call(full_call());
  REQUIRE(sink.spans.size() == 1);
  const Span& s = sink.spans[0];

  CHECK(s.name == "chat claude-sonnet-4-5");
  CHECK(s.kind == SpanKind::kClient);
  CHECK(s.start_unix_ns == uint64_t(kOffset) + 10'000'000'000);
  CHECK(s.end_unix_ns == uint64_t(kOffset) + 12'001'000'000);
  CHECK_FALSE(s.error);
  CHECK(s.status_message.empty());
  CHECK_FALSE(is_zero_id(s.trace_id));
  CHECK_FALSE(is_zero_id(s.span_id));
  CHECK(is_zero_id(s.parent_span_id));

  CHECK(value_of<std::string>(s, "gen_ai.operation.name") == "chat");
  CHECK(value_of<std::string>(s, "gen_ai.provider.name") == "anthropic");
  CHECK(value_of<std::string>(s, "gen_ai.request.model") == "claude-sonnet-4-5");
  CHECK(value_of<std::string>(s, "gen_ai.response.model") == "claude-sonnet-4-5-20250929");
  CHECK(value_of<std::string>(s, "gen_ai.response.id") == "msg_01");
  CHECK(value_of<bool>(s, "gen_ai.request.stream") == true);
  CHECK(value_of<int64_t>(s, "gen_ai.request.max_tokens") == 1024);
  CHECK(value_of<double>(s, "gen_ai.request.temperature") == 0.5);
  CHECK(value_of<double>(s, "gen_ai.request.top_p") == 0.9);
  CHECK(value_of<std::vector<std::string>>(s, "gen_ai.response.finish_reasons") ==
        std::vector<std::string>{"tool_use"});
  CHECK(value_of<int64_t>(s, "gen_ai.usage.input_tokens") == 1500);
  CHECK(value_of<int64_t>(s, "gen_ai.usage.output_tokens") == 300);
  CHECK(value_of<int64_t>(s, "gen_ai.usage.cache_read.input_tokens") == 1000);
  CHECK(value_of<int64_t>(s, "gen_ai.usage.cache_creation.input_tokens") == 200);
  CHECK(value_of<int64_t>(s, "gen_ai.usage.reasoning.output_tokens") == 50);
  CHECK(value_of<double>(s, "gen_ai.response.time_to_first_chunk") == Approx(0.45).margin(1e-12));
  CHECK(value_of<std::string>(s, "gen_ai.conversation.id") == "sess-1");
  CHECK(value_of<std::string>(s, "server.address") == "api.anthropic.com");
  CHECK(value_of<int64_t>(s, "server.port") == 443);
  CHECK(value_of<std::string>(s, "http.request.method") == "POST");
  CHECK(value_of<std::string>(s, "url.path") == "/v1/messages");
  CHECK(value_of<int64_t>(s, "http.response.status_code") == 200);
  CHECK(value_of<int64_t>(s, "process.pid") == 4242);
  CHECK(value_of<std::string>(s, "process.executable.name") == "python3");
  CHECK(value_of<int64_t>(s, "thread.id") == 4243);
  CHECK(value_of<std::string>(s, "user_agent.original") == "Anthropic/Python 0.40.0");
  CHECK(value_of<std::string>(s, "network.protocol.version") == "2");
  CHECK(value_of<std::string>(s, "agentprof.api") == "anthropic.messages");
  CHECK(value_of<int64_t>(s, "agentprof.output_chunks") == 40);
  CHECK(value_of<double>(s, "agentprof.chunk_gap.mean_s") == 0.04);
  CHECK(value_of<double>(s, "agentprof.chunk_gap.max_s") == 0.3);
  CHECK(value_of<int64_t>(s, "agentprof.tool_calls.count") == 2);
  CHECK(value_of<std::vector<std::string>>(s, "agentprof.tool_calls.names") ==
        std::vector<std::string>{"get_weather", "search"});
  CHECK(value_of<int64_t>(s, "agentprof.retry_count") == 1);
  CHECK(value_of<int64_t>(s, "agentprof.ratelimit.remaining_requests") == 49);
  CHECK(value_of<int64_t>(s, "agentprof.ratelimit.remaining_tokens") == 39000);
  CHECK(value_of<int64_t>(s, "agentprof.request.body_bytes") == 5000);
  CHECK(value_of<int64_t>(s, "agentprof.response.body_bytes") == 9000);
  CHECK(value_of<double>(s, "agentprof.cost_usd") == 0.0123);
  CHECK(value_of<std::string>(s, "gen_ai.input.messages") == R"([{"role":"user"}])");
  CHECK(value_of<std::string>(s, "agentprof.output.text") == "hello");

  // Flags that are false and errors that did not happen are not written at all.
  for (const char* absent : {"error.type", "agentprof.usage.missing", "agentprof.request.truncated",
                             "agentprof.response.truncated", "agentprof.incomplete",
                             "agentprof.incomplete.reason", "agentprof.timing.missing"})
    CHECK(s.find(absent) == nullptr);
  CHECK(s.attributes.size() == 41);
  CHECK(keys_of(s).size() == s.attributes.size());  // keys are unique
  CHECK(builder.spans_built() == 1);
}

TEST_CASE("absent optionals are omitted, never written as zero") {
  CollectingSink sink;
  SpanBuilder builder(sink, test_options());
  LlmCall c;
  c.operation = "chat";
  c.provider = "openai";
  c.request_start_ns = 1'000;
  c.end_ns = 2'000;
  Span s = builder.build(c);
  CHECK(keys_of(s) == std::set<std::string>{"gen_ai.operation.name", "gen_ai.provider.name",
                                            "gen_ai.request.stream", "agentprof.request.body_bytes",
                                            "agentprof.response.body_bytes"});
  CHECK(value_of<bool>(s, "gen_ai.request.stream") == false);
  CHECK(s.name == "chat");
  CHECK_FALSE(s.error);
  CHECK(sink.spans.empty());  // build() does not emit
}

TEST_CASE("time to first chunk is for streams only and needs ordered timestamps") {
  CollectingSink sink;
  SpanBuilder builder(sink, test_options());
  LlmCall c = full_call();
  c.stream = false;
  c.chunk_count = 0;
  Span s = builder.build(c);
  CHECK(s.find("gen_ai.response.time_to_first_chunk") == nullptr);
  CHECK(s.find("agentprof.output_chunks") == nullptr);
  CHECK(s.find("agentprof.chunk_gap.mean_s") == nullptr);

  c = full_call();
  c.first_chunk_ns = c.request_end_ns - 1;  // reply began before the request finished
  CHECK(builder.build(c).find("gen_ai.response.time_to_first_chunk") == nullptr);

  c = full_call();
  c.chunk_count = 1;  // one chunk has no gap
  s = builder.build(c);
  CHECK(value_of<int64_t>(s, "agentprof.output_chunks") == 1);
  CHECK(s.find("agentprof.chunk_gap.max_s") == nullptr);
}

TEST_CASE("span name falls back to the response model, then to the operation alone") {
  CollectingSink sink;
  SpanBuilder builder(sink, test_options());
  LlmCall c;
  c.operation = "embeddings";
  c.response_model = "text-embedding-3-small";
  CHECK(builder.build(c).name == "embeddings text-embedding-3-small");
  c.request_model = "";  // present but empty counts as unknown
  CHECK(builder.build(c).name == "embeddings text-embedding-3-small");
  c.request_model = "te3";
  CHECK(builder.build(c).name == "embeddings te3");
  LlmCall none;
  CHECK(builder.build(none).name == "llm_call");
}

TEST_CASE("url.path never carries a query string, even if handed one") {
  CollectingSink sink;
  SpanBuilder builder(sink, test_options());
  LlmCall c;
  c.url_path = "/v1beta/models/gemini-2.5-flash:generateContent?key=SECRET&alt=sse";
  Span s = builder.build(c);
  CHECK(value_of<std::string>(s, "url.path") == "/v1beta/models/gemini-2.5-flash:generateContent");
  c.url_path = "?key=SECRET";
  CHECK(builder.build(c).find("url.path") == nullptr);
}

TEST_CASE("span kind follows the traced process's role") {
  CollectingSink sink;
  SpanBuilder builder(sink, test_options());
  LlmCall c;
  c.conn.role = Role::kServer;
  c.conn.local = {"127.0.0.1", 11434};
  c.conn.remote = {"127.0.0.1", 50000};
  Span s = builder.build(c);
  CHECK(s.kind == SpanKind::kServer);
  // Without a Host header the server endpoint is our own (local) side.
  CHECK(value_of<std::string>(s, "server.address") == "127.0.0.1");
  CHECK(value_of<int64_t>(s, "server.port") == 11434);

  c.conn.role = Role::kUnknown;
  s = builder.build(c);
  CHECK(s.kind == SpanKind::kClient);
  CHECK(value_of<int64_t>(s, "server.port") == 50000);
  c.conn.role = Role::kClient;
  CHECK(builder.build(c).kind == SpanKind::kClient);
}

TEST_CASE("error status: HTTP errors, provider errors and incomplete calls") {
  CollectingSink sink;
  SpanBuilder builder(sink, test_options());

  LlmCall c = full_call();
  c.status_code = 429;
  c.error_type = "rate_limit_error";
  Span s = builder.build(c);
  CHECK(s.error);
  CHECK(value_of<std::string>(s, "error.type") == "rate_limit_error");
  CHECK(s.status_message == "HTTP 429; rate_limit_error");

  c.error_type.reset();
  s = builder.build(c);
  CHECK(s.error);
  CHECK(value_of<std::string>(s, "error.type") == "429");
  CHECK(s.status_message == "HTTP 429");

  c = full_call();
  c.error_type = "overloaded_error";  // mid-stream error on a 200
  s = builder.build(c);
  CHECK(s.error);
  CHECK(value_of<std::string>(s, "error.type") == "overloaded_error");
  CHECK(s.status_message == "overloaded_error");

  c = full_call();
  c.incomplete = true;
  c.incomplete_reason = "gap";
  c.response_truncated = true;
  s = builder.build(c);
  CHECK(s.error);
  CHECK(value_of<std::string>(s, "error.type") == "agentprof.incomplete");
  CHECK(value_of<bool>(s, "agentprof.incomplete") == true);
  CHECK(value_of<std::string>(s, "agentprof.incomplete.reason") == "gap");
  CHECK(value_of<bool>(s, "agentprof.response.truncated") == true);
  CHECK(s.status_message == "incomplete: gap");

  c = full_call();
  c.status_code = 399;
  c.request_truncated = true;
  c.usage_missing = true;
  s = builder.build(c);
  CHECK_FALSE(s.error);  // truncation alone is not an error
  CHECK(s.find("error.type") == nullptr);
  CHECK(value_of<bool>(s, "agentprof.request.truncated") == true);
  CHECK(value_of<bool>(s, "agentprof.usage.missing") == true);
}

TEST_CASE("timestamps: earliest to latest, and a call with none is flagged instead of dated 1970") {
  CollectingSink sink;
  SpanBuilder builder(sink, test_options());
  LlmCall c;
  c.response_start_ns = 3'000;  // request side not seen
  c.end_ns = 9'000;
  Span s = builder.build(c);
  CHECK(s.start_unix_ns == uint64_t(kOffset) + 3'000);
  CHECK(s.end_unix_ns == uint64_t(kOffset) + 9'000);
  CHECK(s.find("agentprof.timing.missing") == nullptr);

  s = builder.build(LlmCall{});
  CHECK(s.start_unix_ns == uint64_t(kOffset) + 5'000'000'000);
  CHECK(s.end_unix_ns == s.start_unix_ns);
  CHECK(value_of<bool>(s, "agentprof.timing.missing") == true);
  CHECK(builder.spans_without_timing() == 1);
}

TEST_CASE("fanout delivers each span to every sink in order") {
  CollectingSink a, b;
  FanoutSpanSink fan;
  fan.add(a);
  fan.add(b);
  SpanBuilder builder(fan, test_options());
  builder.on_llm_call(full_call());
  builder.on_llm_call(full_call());
  REQUIRE(a.spans.size() == 2);
  REQUIRE(b.spans.size() == 2);
  CHECK(a.spans[0] == b.spans[0]);
  CHECK(a.spans[0].trace_id != a.spans[1].trace_id);
}
