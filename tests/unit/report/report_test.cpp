#include <catch2/catch.hpp>

#include <simdjson.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli/report.h"
#include "exporters/jsonl/jsonl_writer.h"

using namespace agentprof;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kT0 = 1'795'442'587ull * 1'000'000'000ull;

struct CallSpec {
  std::string provider, model, process, operation = "chat";
  double latency_s = 1;
  std::optional<double> ttft_s;
  std::optional<int64_t> in, out;
  std::optional<double> cost;
  bool error = false;
};

CallSpec spec(std::string provider, std::string model, std::string process) {
  CallSpec c;
  c.provider = std::move(provider);
  c.model = std::move(model);
  c.process = std::move(process);
  return c;
}

Span make_span(const CallSpec& c) {
  static std::atomic<uint8_t> counter{1};
  Span s;
  s.trace_id[0] = counter;
  s.span_id[0] = counter++;
  s.name = "chat";
  s.start_unix_ns = kT0;
  s.end_unix_ns = kT0 + uint64_t(c.latency_s * 1e9 + 0.5);
  s.error = c.error;
  auto str = [&](const char* k, const std::string& v) {
    if (!v.empty()) s.attributes.push_back({k, v});
  };
  str("gen_ai.provider.name", c.provider);
  str("gen_ai.response.model", c.model);
  str("process.executable.name", c.process);
  str("gen_ai.operation.name", c.operation);
  if (c.in) s.attributes.push_back({"gen_ai.usage.input_tokens", *c.in});
  if (c.out) s.attributes.push_back({"gen_ai.usage.output_tokens", *c.out});
  if (c.cost) s.attributes.push_back({"agentprof.cost_usd", *c.cost});
  if (c.ttft_s) s.attributes.push_back({"gen_ai.response.time_to_first_chunk", *c.ttft_s});
  return s;
}

class TempFile {
 public:
  TempFile() {
    static int n = 0;
    path_ = (fs::temp_directory_path() / ("agentprof_report_test_" + std::to_string(::getpid()) + "_" +
                                          std::to_string(n++) + ".jsonl"))
                .string();
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

  void write_spans(const std::vector<CallSpec>& calls) {
    FILE* f = std::fopen(path_.c_str(), "a");
    REQUIRE(f);
    JsonlWriter w(f);
    for (const auto& c : calls) w.on_span(make_span(c));
    std::fclose(f);
  }
  void append_text(const std::string& text) {
    std::ofstream(path_, std::ios::app | std::ios::binary) << text;
  }

 private:
  std::string path_;
};

struct Result {
  int status;
  std::string out, err;
};

Result run(const std::vector<std::string>& paths, std::string group_by, std::string format) {
  ReportOptions o;
  o.jsonl_paths = paths;
  o.group_by = std::move(group_by);
  o.format = std::move(format);
  std::ostringstream out, err;
  int status = run_report(o, out, err);
  return {status, out.str(), err.str()};
}

// The CSV row whose first two fields are `dim,group`, split into fields.
std::vector<std::string> csv_row(const std::string& csv, const std::string& prefix) {
  std::istringstream lines(csv);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(prefix + ",", 0) == 0) {
      std::vector<std::string> fields;
      std::istringstream f(line);
      std::string field;
      while (std::getline(f, field, ',')) fields.push_back(field);
      if (!line.empty() && line.back() == ',') fields.push_back("");
      return fields;
    }
  }
  FAIL("no CSV row " << prefix << " in\n" << csv);
  return {};
}

std::vector<CallSpec> sample_calls() {
  return {
      {"openai", "gpt-4o", "python3", "chat", 1.0, 0.2, 100, 10, 0.001, false},
      {"openai", "gpt-4o", "python3", "chat", 2.0, 0.4, 200, std::nullopt, std::nullopt, true},  // stream w/o usage
      {"openai", "text-embedding-3-small", "python3", "embeddings", 0.5, std::nullopt, 50, std::nullopt, 0.0001, false},
      {"anthropic", "claude-sonnet-4-5", "node", "chat", 4.0, 1.0, 1000, 500, 0.02, false},
      {"", "", "", "chat", 3.0, std::nullopt, std::nullopt, std::nullopt, std::nullopt, true},  // nothing known
  };
}

}  // namespace

TEST_CASE("report totals per provider, model and process (csv)") {
  TempFile f;
  f.write_spans(sample_calls());
  Result r = run({f.path()}, "all", "csv");
  REQUIRE(r.status == 0);
  CHECK(r.err.empty());
  CHECK(r.out.rfind("group_by,group,calls,errors,unknown_usage,input_tokens,output_tokens,cost_usd,unpriced,"
                    "latency_p50_s,latency_p95_s,latency_p99_s,ttft_p50_s,ttft_p95_s,ttft_p99_s\n",
                    0) == 0);

  // openai: 3 calls, 1 error; the stream without usage is unknown usage, the embeddings call is not
  // (it has no output tokens by nature); its missing output tokens are not added as 0.
  CHECK(csv_row(r.out, "provider,openai") ==
        std::vector<std::string>{"provider", "openai", "3", "1", "1", "350", "10", "0.0011", "1", "1.000",
                                 "2.000", "2.000", "0.200", "0.400", "0.400"});
  CHECK(csv_row(r.out, "provider,anthropic") ==
        std::vector<std::string>{"provider", "anthropic", "1", "0", "0", "1000", "500", "0.0200", "0",
                                 "4.000", "4.000", "4.000", "1.000", "1.000", "1.000"});
  // Unknown provider groups under "-"; no TTFT gives empty cells, not zeros.
  CHECK(csv_row(r.out, "provider,-") ==
        std::vector<std::string>{"provider", "-", "1", "1", "1", "0", "0", "0.0000", "1", "3.000", "3.000",
                                 "3.000", "", "", ""});
  CHECK(csv_row(r.out, "model,gpt-4o")[2] == "2");
  CHECK(csv_row(r.out, "model,text-embedding-3-small")[4] == "0");
  CHECK(csv_row(r.out, "process,python3")[2] == "3");
  CHECK(csv_row(r.out, "process,node")[5] == "1000");
  CHECK(csv_row(r.out, "total,TOTAL") ==
        std::vector<std::string>{"total", "TOTAL", "5", "2", "2", "1350", "510", "0.0211", "2", "2.000",
                                 "4.000", "4.000", "0.400", "1.000", "1.000"});
}

TEST_CASE("percentiles are exact nearest-rank") {
  TempFile f;
  std::vector<CallSpec> calls;
  for (int i = 20; i >= 1; --i) {  // unsorted input: 1..20 seconds
    CallSpec c = spec("p", "m", "x");
    c.latency_s = i;
    c.ttft_s = i / 10.0;
    calls.push_back(c);
  }
  f.write_spans(calls);
  Result r = run({f.path()}, "provider", "csv");
  REQUIRE(r.status == 0);
  // n = 20: p50 -> rank 10, p95 -> rank 19, p99 -> rank ceil(19.8) = 20.
  auto row = csv_row(r.out, "provider,p");
  CHECK(std::vector<std::string>(row.begin() + 9, row.end()) ==
        std::vector<std::string>{"10.000", "19.000", "20.000", "1.000", "1.900", "2.000"});

  TempFile seven;
  calls.clear();
  for (int i = 1; i <= 7; ++i) {
    CallSpec c = spec("p", "m", "x");
    c.latency_s = i;
    calls.push_back(c);
  }
  seven.write_spans(calls);
  r = run({seven.path()}, "provider", "csv");
  // n = 7: p50 -> rank ceil(3.5) = 4, p95 -> rank ceil(6.65) = 7.
  row = csv_row(r.out, "provider,p");
  CHECK(std::vector<std::string>(row.begin() + 9, row.begin() + 12) ==
        std::vector<std::string>{"4.000", "7.000", "7.000"});
}

TEST_CASE("malformed lines are counted and reported, never fatal") {
  TempFile f;
  f.write_spans({sample_calls()[0]});
  f.append_text("this is not json\n\n   \n{\"trace_id\":\"zz\"}\n");
  f.write_spans({sample_calls()[3]});
  f.append_text("{\"truncated\":");  // last line without newline, cut short
  Result r = run({f.path()}, "provider", "csv");
  CHECK(r.status == 0);
  CHECK(csv_row(r.out, "total,TOTAL")[2] == "2");
  CHECK(r.err.find(f.path() + ":2: skipped malformed line: invalid JSON") != std::string::npos);
  CHECK(r.err.find(f.path() + ":5: skipped malformed line: missing or invalid trace_id") != std::string::npos);
  CHECK(r.err.find(f.path() + ":7: skipped malformed line") != std::string::npos);
  CHECK(r.err.find("skipped 3 malformed line(s) of 7") != std::string::npos);
}

TEST_CASE("only the first malformed lines are detailed") {
  TempFile f;
  std::string junk;
  for (int i = 0; i < 25; ++i) junk += "junk\n";
  f.append_text(junk);
  Result r = run({f.path()}, "model", "table");
  CHECK(r.status == 0);
  size_t details = 0;
  for (size_t p = r.err.find("skipped malformed line"); p != std::string::npos;
       p = r.err.find("skipped malformed line", p + 1))
    ++details;
  CHECK(details == 10);
  CHECK(r.err.find("skipped 25 malformed line(s) of 25") != std::string::npos);
  CHECK(r.out.find("0 call(s) from 25 line(s), 25 malformed line(s) skipped") != std::string::npos);
}

TEST_CASE("a line over the size cap is rejected without being held in memory") {
  TempFile f;
  f.write_spans({sample_calls()[0]});
  f.append_text("{\"x\":\"" + std::string((64u << 20) + 10, 'a') + "\"}\n");
  f.write_spans({sample_calls()[3]});
  Result r = run({f.path()}, "provider", "csv");
  CHECK(r.status == 0);
  CHECK(csv_row(r.out, "total,TOTAL")[2] == "2");
  CHECK(r.err.find(":2: skipped malformed line: line longer than") != std::string::npos);
}

TEST_CASE("json format parses and carries the same numbers") {
  TempFile f;
  f.write_spans(sample_calls());
  Result r = run({f.path()}, "all", "json");
  REQUIRE(r.status == 0);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(r.out).get(doc) == simdjson::SUCCESS);
  CHECK(uint64_t(doc["calls"]) == 5);
  CHECK(uint64_t(doc["malformed_lines"]) == 0);
  simdjson::dom::array providers = doc["groups"]["provider"];
  REQUIRE(providers.size() == 3);
  simdjson::dom::element openai = providers.at(0);  // most calls first
  CHECK(std::string_view(openai["group"]) == "openai");
  CHECK(uint64_t(openai["calls"]) == 3);
  CHECK(uint64_t(openai["unknown_usage"]) == 1);
  CHECK(int64_t(openai["input_tokens"]) == 350);
  CHECK(double(openai["cost_usd"]) == Approx(0.0011));
  CHECK(double(openai["latency_s"]["p95"]) == 2.0);
  simdjson::dom::element unknown = providers.at(1);  // ties by name: "-" sorts before letters
  CHECK(std::string_view(unknown["group"]) == "-");
  CHECK(unknown["ttft_s"]["p50"].is_null());
  CHECK(simdjson::dom::array(doc["groups"]["model"]).size() == 4);
  CHECK(simdjson::dom::array(doc["groups"]["process"]).size() == 3);
  CHECK(uint64_t(doc["total"]["errors"]) == 2);
}

TEST_CASE("table format: one aligned table per dimension with a total row") {
  TempFile f;
  f.write_spans(sample_calls());
  Result r = run({f.path()}, "all", "table");
  REQUIRE(r.status == 0);
  std::istringstream lines(r.out);
  std::string line;
  std::vector<std::string> all;
  while (std::getline(lines, line)) all.push_back(line);
  REQUIRE(all.size() == 5 + 6 + 5 + 2 + 2);  // 3 tables (header + rows + total), 2 blanks, 1 blank + footer
  CHECK(all[0] ==
        "PROVIDER   CALLS  ERRORS  UNK_USAGE  IN_TOK  OUT_TOK  COST_USD  UNPRICED  LAT_P50  LAT_P95  LAT_P99  "
        "TTFT_P50  TTFT_P95  TTFT_P99");
  CHECK(all[1] ==
        "openai         3       1          1     350       10    0.0011         1    1.000    2.000    2.000     "
        "0.200     0.400     0.400");
  CHECK(all[2] ==
        "-              1       1          1       0        0    0.0000         1    3.000    3.000    3.000     "
        "    -         -         -");
  CHECK(all[4].rfind("TOTAL          5       2          2    1350      510", 0) == 0);
  CHECK(all[5].empty());
  CHECK(all[6].rfind("MODEL ", 0) == 0);
  CHECK(all.back() == "5 call(s) from 5 line(s); percentiles are nearest-rank, times in seconds");
}

TEST_CASE("bad options and unreadable files") {
  TempFile f;
  f.write_spans({sample_calls()[0]});
  Result r = run({f.path()}, "colour", "table");
  CHECK(r.status == 2);
  CHECK(r.err.find("unknown --group-by 'colour'") != std::string::npos);
  r = run({f.path()}, "all", "xml");
  CHECK(r.status == 2);
  r = run({}, "all", "table");
  CHECK(r.status == 2);

  r = run({"/nonexistent/spans.jsonl", f.path()}, "provider", "csv");
  CHECK(r.status == 1);
  CHECK(r.err.find("cannot open /nonexistent/spans.jsonl") != std::string::npos);
  CHECK(csv_row(r.out, "provider,openai")[2] == "1");  // the readable file is still reported
}

TEST_CASE("several files add up; group names are quoted in CSV") {
  TempFile a, b;
  CallSpec c = spec("openai", "gpt,4o \"x\"", "python3");
  c.in = 5;
  c.out = 6;
  a.write_spans({c});
  b.write_spans({c});
  Result r = run({a.path(), b.path()}, "model", "csv");
  REQUIRE(r.status == 0);
  CHECK(r.out.find("model,\"gpt,4o \"\"x\"\"\",2,0,0,10,12,") != std::string::npos);
}

TEST_CASE("\"-\" reads standard input") {
  std::string text = JsonlWriter::to_json(make_span(sample_calls()[3])) + "\n";
  std::istringstream fake_stdin(text);
  std::streambuf* saved = std::cin.rdbuf(fake_stdin.rdbuf());
  Result r = run({"-"}, "provider", "csv");
  std::cin.rdbuf(saved);
  CHECK(r.status == 0);
  CHECK(csv_row(r.out, "provider,anthropic")[5] == "1000");
}
