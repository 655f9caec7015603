#include <catch2/catch.hpp>

#include <simdjson.h>

#include <cstdio>
#include <string>

#include "exporters/jsonl/jsonl_span_reader.h"
#include "exporters/jsonl/jsonl_writer.h"

using namespace agentprof;

namespace {

Span sample_span() {
  Span s;
  for (size_t i = 0; i < s.trace_id.size(); ++i) s.trace_id[i] = uint8_t(0xA0 + i);
  for (size_t i = 0; i < s.span_id.size(); ++i) s.span_id[i] = uint8_t(i + 1);
  s.name = "chat gpt-4o";
  s.kind = SpanKind::kClient;
  s.start_unix_ns = 1'763'856'000'123'456'789ull;
  s.end_unix_ns = 1'763'856'002'000'000'000ull;
  s.error = true;
  s.status_message = "HTTP 429";
  s.attributes = {
      {"gen_ai.provider.name", std::string("openai")},
      {"gen_ai.usage.input_tokens", int64_t(1234)},
      {"gen_ai.usage.output_tokens", int64_t(0)},
      {"gen_ai.request.temperature", 1.0},
      {"gen_ai.response.time_to_first_chunk", 0.123456789},
      {"gen_ai.request.stream", true},
      {"agentprof.usage.missing", false},
      {"gen_ai.response.finish_reasons", std::vector<std::string>{"stop", "length"}},
      {"agentprof.tool_calls.names", std::vector<std::string>{}},
      {"agentprof.output.text", std::string("quote \" backslash \\ newline \n tab \t bell \x07 \xC3\xA9")},
      {"agentprof.big", int64_t(INT64_MIN)},
  };
  return s;
}

// Writes spans through a JsonlWriter into a temporary file and returns the file's text.
std::string write_all(const std::vector<Span>& spans) {
  FILE* f = std::tmpfile();
  REQUIRE(f != nullptr);
  {
    JsonlWriter w(f);
    for (const auto& s : spans) w.on_span(s);
    CHECK(w.spans_written() == spans.size());
    CHECK(w.write_errors() == 0);
  }
  std::rewind(f);
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  std::fclose(f);
  return text;
}

}  // namespace

TEST_CASE("JSONL line has the documented envelope and typed attributes") {
  std::string text = write_all({sample_span()});
  REQUIRE(!text.empty());
  CHECK(text.back() == '\n');
  CHECK(text.find('\n') == text.size() - 1);  // exactly one line

  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(text);
  CHECK(std::string_view(doc["trace_id"]) == "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
  CHECK(std::string_view(doc["span_id"]) == "0102030405060708");
  CHECK(std::string_view(doc["parent_span_id"]) == "");
  CHECK(std::string_view(doc["name"]) == "chat gpt-4o");
  CHECK(std::string_view(doc["kind"]) == "client");
  CHECK(uint64_t(doc["start_time_unix_nano"]) == 1'763'856'000'123'456'789ull);
  CHECK(uint64_t(doc["end_time_unix_nano"]) == 1'763'856'002'000'000'000ull);
  CHECK(std::string_view(doc["status"]) == "error");
  CHECK(std::string_view(doc["status_message"]) == "HTTP 429");

  simdjson::dom::element a = doc["attributes"];
  CHECK(simdjson::dom::element(a["gen_ai.usage.input_tokens"]).type() == simdjson::dom::element_type::INT64);
  CHECK(int64_t(a["gen_ai.usage.input_tokens"]) == 1234);
  CHECK(int64_t(a["gen_ai.usage.output_tokens"]) == 0);
  CHECK(simdjson::dom::element(a["gen_ai.request.temperature"]).type() == simdjson::dom::element_type::DOUBLE);
  CHECK(double(a["gen_ai.request.temperature"]) == 1.0);
  CHECK(double(a["gen_ai.response.time_to_first_chunk"]) == 0.123456789);
  CHECK(bool(a["gen_ai.request.stream"]) == true);
  CHECK(bool(a["agentprof.usage.missing"]) == false);
  simdjson::dom::array reasons = a["gen_ai.response.finish_reasons"];
  CHECK(reasons.size() == 2);
  CHECK(std::string_view(reasons.at(1)) == "length");
  CHECK(simdjson::dom::array(a["agentprof.tool_calls.names"]).size() == 0);
  CHECK(std::string_view(a["agentprof.output.text"]) ==
        "quote \" backslash \\ newline \n tab \t bell \x07 \xC3\xA9");
}

TEST_CASE("JSONL round trip through the span reader is exact") {
  Span a = sample_span();
  Span b = sample_span();
  b.error = false;
  b.status_message.clear();
  b.kind = SpanKind::kServer;
  b.parent_span_id[7] = 0x42;
  b.attributes.clear();
  std::string text = write_all({a, b});

  JsonlSpanReader reader;
  size_t nl = text.find('\n');
  Span back;
  std::string error;
  REQUIRE(reader.parse(std::string_view(text).substr(0, nl), back, &error));
  CHECK(back == a);
  REQUIRE(reader.parse(std::string_view(text).substr(nl + 1), back, &error));
  CHECK(back == b);
  CHECK(text.find("\"status\":\"ok\",\"attributes\":{}") != std::string::npos);  // no empty status_message
  CHECK(reader.skipped_attributes() == 0);
}

TEST_CASE("invalid UTF-8 in a span is written as valid JSON") {
  Span s = sample_span();
  s.name = "bad \xFF\xFE name";
  s.attributes = {{"process.executable.name", std::string("py\xC0thon")}};
  std::string text = write_all({s});
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(text).get(doc) == simdjson::SUCCESS);  // simdjson validates UTF-8
  CHECK(std::string_view(doc["name"]) == "bad \xEF\xBF\xBD\xEF\xBF\xBD name");
  CHECK(std::string_view(doc["attributes"]["process.executable.name"]) == "py\xEF\xBF\xBDthon");
}

TEST_CASE("span reader rejects malformed envelopes with a reason and skips odd attributes") {
  JsonlSpanReader reader;
  Span s;
  std::string error;
  const std::string good_prefix =
      R"({"trace_id":"0123456789abcdef0123456789abcdef","span_id":"0123456789abcdef",)";
  const std::string good_rest =
      R"("name":"n","kind":"client","start_time_unix_nano":5,"end_time_unix_nano":6,"status":"ok")";

  CHECK(reader.parse(good_prefix + good_rest + "}", s, &error));
  CHECK(s.attributes.empty());

  struct Case {
    std::string line, reason;
  };
  std::vector<Case> cases = {
      {"not json", "invalid JSON"},
      {"[1,2]", "not a JSON object"},
      {R"({"trace_id":"00000000000000000000000000000000","span_id":"0123456789abcdef"})", "trace_id"},
      {R"({"trace_id":"0123","span_id":"0123456789abcdef"})", "trace_id"},
      {R"({"trace_id":"0123456789abcdef0123456789abcdef"})", "span_id"},
      {good_prefix + R"("name":"n","kind":"sideways","start_time_unix_nano":5,"end_time_unix_nano":6,"status":"ok"})",
       "kind"},
      {good_prefix + R"("name":"n","kind":"client","start_time_unix_nano":-5,"end_time_unix_nano":6,"status":"ok"})",
       "start_time"},
      {good_prefix + R"("name":"n","kind":"client","start_time_unix_nano":7,"end_time_unix_nano":6,"status":"ok"})",
       "end before start"},
      {good_prefix + R"("name":"n","kind":"client","start_time_unix_nano":5,"end_time_unix_nano":6,"status":"meh"})",
       "status"},
      {good_prefix + good_rest + R"(,"attributes":[1]})", "attributes"},
      {good_prefix + good_rest, "invalid JSON"},  // cut short
  };
  for (const auto& c : cases) {
    INFO(c.line);
    error.clear();
    CHECK_FALSE(reader.parse(c.line, s, &error));
    CHECK(error.find(c.reason) != std::string::npos);
  }

  std::string odd = good_prefix + good_rest +
                    R"(,"attributes":{"a":null,"b":{"x":1},"c":[1],"d":"ok","d":"dup","e":18446744073709551615}})";
  REQUIRE(reader.parse(odd, s, &error));
  REQUIRE(s.attributes.size() == 2);
  CHECK(*s.get<std::string>("d") == "ok");
  CHECK(*s.get<double>("e") == 18446744073709551615.0);  // beyond int64: kept as a double
  CHECK(reader.skipped_attributes() == 4);
}

TEST_CASE("write failures are counted, not hidden") {
  FILE* full = std::fopen("/dev/full", "w");
  if (!full) return;  // not available in this environment
  JsonlWriter w(full);
  w.on_span(sample_span());
  CHECK(w.write_errors() == 1);
  CHECK(w.spans_written() == 0);
  std::fclose(full);
}

TEST_CASE("JsonlWriter::open reports paths it cannot open") {
  std::string error;
  CHECK(JsonlWriter::open("/nonexistent-dir/x.jsonl", &error) == nullptr);
  CHECK(error.find("/nonexistent-dir/x.jsonl") != std::string::npos);
  CHECK(JsonlWriter::open("-", &error) != nullptr);
}
