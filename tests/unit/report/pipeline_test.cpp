// LlmCall -> SpanBuilder -> (JSONL file + terminal) -> report: the trace stage end to end.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "cli/report.h"
#include "exporters/jsonl/jsonl_writer.h"
#include "exporters/terminal/terminal_table.h"
#include "llm/llm_call.h"
#include "trace/span_builder.h"

using namespace agentprof;

namespace {

LlmCall call(const char* provider, const char* model, std::optional<int64_t> in, std::optional<int64_t> out,
             uint64_t start_ms, uint64_t end_ms) {
  LlmCall c;
  c.conn.key.tgid = 100;
  c.conn.comm = "agent";
  c.provider = provider;
  c.operation = "chat";
  c.request_model = model;
  c.status_code = 200;
  c.input_tokens = in;
  c.output_tokens = out;
  c.usage_missing = !in && !out;
  c.stream = true;
  c.request_start_ns = start_ms * 1'000'000;
  c.request_end_ns = start_ms * 1'000'000 + 1'000'000;
  c.first_chunk_ns = start_ms * 1'000'000 + 101'000'000;  // TTFT 0.1 s
  c.end_ns = end_ms * 1'000'000;
  return c;
}

}  // namespace

TEST_CASE("calls flow from LlmCall to JSONL, terminal and report") {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("agentprof_pipeline_test_" + std::to_string(::getpid()) + ".jsonl"))
                         .string();
  std::remove(path.c_str());
  FILE* jsonl_file = std::fopen(path.c_str(), "w");
  REQUIRE(jsonl_file);
  FILE* terminal_file = std::tmpfile();
  REQUIRE(terminal_file);
  {
    JsonlWriter jsonl(jsonl_file);
    TerminalTable terminal(terminal_file, TerminalTableOptions{true});
    FanoutSpanSink fanout;
    fanout.add(jsonl);
    fanout.add(terminal);
    SpanBuilderOptions options;
    options.clock = ClockOffset{1'795'442'587'000'000'000};
    SpanBuilder builder(fanout, options);

    builder.on_llm_call(call("openai", "gpt-4o", 100, 20, 1000, 2000));
    builder.on_llm_call(call("openai", "gpt-4o", std::nullopt, std::nullopt, 3000, 6000));  // no usage on the wire
    LlmCall failed = call("anthropic", "claude-haiku-4-5", std::nullopt, std::nullopt, 7000, 7500);
    failed.status_code = 529;
    failed.error_type = "overloaded_error";
    failed.usage_missing = false;
    builder.on_llm_call(std::move(failed));
    CHECK(jsonl.spans_written() == 3);
  }
  std::fclose(jsonl_file);

  std::rewind(terminal_file);
  char buf[2048];
  std::string terminal_text(buf, std::fread(buf, 1, sizeof buf, terminal_file));
  std::fclose(terminal_file);
  CHECK(terminal_text.find("14:03:08 agent[100]  openai    gpt-4o        100   20 0.10s 1.00s      - ok\n") !=
        std::string::npos);
  CHECK(terminal_text.find("14:03:14 agent[100]  anthropic claude-haik~    -    - 0.10s 0.50s      - 529\n") !=
        std::string::npos);

  ReportOptions report;
  report.jsonl_paths = {path};
  report.group_by = "provider";
  report.format = "csv";
  std::ostringstream out, err;
  CHECK(run_report(report, out, err) == 0);
  CHECK(err.str().empty());
  CHECK(out.str().find("provider,openai,2,0,1,100,20,0.0000,2,1.000,3.000,3.000,0.100,0.100,0.100\n") !=
        std::string::npos);
  CHECK(out.str().find("provider,anthropic,1,1,1,0,0,0.0000,1,0.500,0.500,0.500,0.100,0.100,0.100\n") !=
        std::string::npos);
  std::remove(path.c_str());
}
