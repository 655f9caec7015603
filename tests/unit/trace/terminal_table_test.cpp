#include <catch2/catch.hpp>

#include <cstdio>

#include "exporters/terminal/terminal_table.h"

using namespace agentprof;

namespace {

constexpr uint64_t kStart = 1'795'442'587ull * 1'000'000'000ull + 250'000'000;  // 2026-11-23 14:03:07.25 UTC
const TerminalTableOptions kUtc{true};

Span call_span() {
  Span s;
  s.start_unix_ns = kStart;
  s.end_unix_ns = kStart + 3'100'000'000;
  s.attributes = {
      {"gen_ai.provider.name", std::string("anthropic")},
      {"gen_ai.request.model", std::string("claude-sonnet-4-5")},
      {"gen_ai.usage.input_tokens", int64_t(1234)},
      {"gen_ai.usage.output_tokens", int64_t(845)},
      {"gen_ai.response.time_to_first_chunk", 0.4249},
      {"agentprof.cost_usd", 0.0123},
      {"process.pid", int64_t(42)},
      {"process.executable.name", std::string("python3")},
  };
  return s;
}

}  // namespace

TEST_CASE("terminal header and a full row, exactly") {
  CHECK(TerminalTable::header_line() ==
        "TIME     PROCESS     PROVIDER  MODEL          IN  OUT  TTFT   DUR   COST STATUS");
  CHECK(TerminalTable::format_row(call_span(), kUtc) ==
        "14:03:07 python3[42] anthropic claude-sonn~ 1.2k  845 0.42s 3.10s $0.012 ok");
}

TEST_CASE("unknown values are shown as '-'") {
  Span s;
  s.attributes = {{"agentprof.timing.missing", true}};
  std::string row = TerminalTable::format_row(s, kUtc);
  CHECK(row == "-        -           -         -               -    -     -     -      - ok");

  // A known start but flagged timing still hides the duration; the response model wins.
  s = call_span();
  s.attributes.push_back({"agentprof.timing.missing", true});
  s.attributes.push_back({"gen_ai.response.model", std::string("claude-x")});
  s.attributes.erase(s.attributes.begin() + 4);  // no TTFT
  CHECK(TerminalTable::format_row(s, kUtc) ==
        "14:03:07 python3[42] anthropic claude-x     1.2k  845     -     - $0.012 ok");
}

TEST_CASE("status column: HTTP code, shortened error type, partial") {
  Span s = call_span();
  s.error = true;
  s.attributes.push_back({"http.response.status_code", int64_t(429)});
  s.attributes.push_back({"error.type", std::string("rate_limit_error")});
  CHECK(TerminalTable::format_row(s, kUtc).substr(73) == "429");

  s = call_span();
  s.error = true;
  s.attributes.push_back({"http.response.status_code", int64_t(200)});
  s.attributes.push_back({"error.type", std::string("overloaded_error")});
  CHECK(TerminalTable::format_row(s, kUtc).substr(73) == "overlo~");

  s = call_span();
  s.error = true;
  s.attributes.push_back({"error.type", std::string("agentprof.incomplete")});
  CHECK(TerminalTable::format_row(s, kUtc).substr(73) == "partial");

  s = call_span();
  s.error = true;
  CHECK(TerminalTable::format_row(s, kUtc).substr(73) == "error");
}

TEST_CASE("long and hostile text is cut to its column and made printable") {
  Span s = call_span();
  s.attributes = {
      {"process.pid", int64_t(1234567)},
      {"process.executable.name", std::string("very-long-process-name")},
      {"gen_ai.provider.name", std::string("azure.ai.openai")},
      {"gen_ai.request.model", std::string("\x1b[2Jgpt")},
  };
  std::string row = TerminalTable::format_row(s, kUtc);
  CHECK(row == "14:03:07 v~[1234567] azure.ai~ ?[2Jgpt         -    -     - 3.10s      - ok");
  CHECK(row.size() <= 80);

  s.attributes = {{"process.executable.name", std::string("node")}};  // no pid
  CHECK(TerminalTable::format_row(s, kUtc).substr(9, 12) == "node        ");
}

TEST_CASE("cell formats: k-suffixed counts, seconds, cost") {
  CHECK(TerminalTable::format_count(0) == "0");
  CHECK(TerminalTable::format_count(999) == "999");
  CHECK(TerminalTable::format_count(1000) == "1.0k");
  CHECK(TerminalTable::format_count(9949) == "9.9k");
  CHECK(TerminalTable::format_count(9950) == "10k");
  CHECK(TerminalTable::format_count(999499) == "999k");
  CHECK(TerminalTable::format_count(999500) == "1.0M");
  CHECK(TerminalTable::format_count(12'345'678) == "12M");
  CHECK(TerminalTable::format_count(5'000'000'000) == "5.0G");
  CHECK(TerminalTable::format_count(INT64_MAX) == ">1T");
  CHECK(TerminalTable::format_count(-1) == "-");

  CHECK(TerminalTable::format_seconds(0) == "0.00s");
  CHECK(TerminalTable::format_seconds(0.4249) == "0.42s");
  CHECK(TerminalTable::format_seconds(9.994) == "9.99s");
  CHECK(TerminalTable::format_seconds(9.996) == "10.0s");
  CHECK(TerminalTable::format_seconds(99.94) == "99.9s");
  CHECK(TerminalTable::format_seconds(99.96) == "100s");
  CHECK(TerminalTable::format_seconds(3600) == "3600s");
  CHECK(TerminalTable::format_seconds(10000) == "167m");
  CHECK(TerminalTable::format_seconds(-1) == "-");

  CHECK(TerminalTable::format_cost(0) == "$0");
  CHECK(TerminalTable::format_cost(0.0004) == "<$.001");
  CHECK(TerminalTable::format_cost(0.0123) == "$0.012");
  CHECK(TerminalTable::format_cost(9.9994) == "$9.999");
  CHECK(TerminalTable::format_cost(12.34) == "$12.3");
  CHECK(TerminalTable::format_cost(1234.6) == "$1235");
  CHECK(TerminalTable::format_cost(100000) == ">$99k");
  CHECK(TerminalTable::format_cost(-0.5) == "-");

  for (int64_t n : {int64_t(0), int64_t(9999), int64_t(123456), int64_t(99'999'999), INT64_MAX})
    CHECK(TerminalTable::format_count(n).size() <= 4);
  for (double v : {0.0, 9.999, 99.99, 9999.4, 1e5, 1e7, 1e12}) CHECK(TerminalTable::format_seconds(v).size() <= 5);
  for (double v : {0.0, 0.0001, 9.9999, 999.9, 99999.0, 1e9}) CHECK(TerminalTable::format_cost(v).size() <= 6);
}

TEST_CASE("table prints the header once, then one flushed line per span") {
  FILE* f = std::tmpfile();
  REQUIRE(f != nullptr);
  TerminalTable table(f, kUtc);
  table.on_span(call_span());
  table.on_span(call_span());
  std::rewind(f);
  char buf[1024];
  size_t n = std::fread(buf, 1, sizeof buf, f);
  std::fclose(f);
  std::string text(buf, n);
  std::string row = TerminalTable::format_row(call_span(), kUtc);
  CHECK(text == TerminalTable::header_line() + "\n" + row + "\n" + row + "\n");
}
