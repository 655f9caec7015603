#include "store/store_query.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <sstream>

#include "exporters/jsonl/jsonl_writer.h"
#include "store/span_store.h"
#include "store_test_support.h"

using namespace agentprof;
using agentprof::test::TempStorePath;
using agentprof::test::varied_span;
using agentprof::test::store_options;

namespace {

// Writes `spans` as JSONL next to the store and returns the file's path.
std::string write_jsonl(const TempStorePath& tmp, const std::vector<Span>& spans) {
  std::string path = tmp.path + ".jsonl";
  FILE* f = std::fopen(path.c_str(), "w");
  REQUIRE(f);
  {
    JsonlWriter writer(f);
    for (const auto& s : spans) writer.on_span(s);
  }
  std::fclose(f);
  return path;
}

std::string report_of_file(const std::string& path, const std::string& format) {
  ReportOptions o;
  o.jsonl_paths = {path};
  o.format = format;
  std::ostringstream out, err;
  REQUIRE(run_report(o, out, err) == 0);
  CHECK(err.str().empty());
  return out.str();
}

std::string report_of_store(const std::string& path, uint64_t since, const std::string& format,
                            const std::string& group_by = "all") {
  ReportOptions o;
  o.format = format;
  o.group_by = group_by;
  std::ostringstream out, err;
  REQUIRE(run_store_report(path, since, o, out, err) == 0);
  CHECK(err.str().empty());
  return out.str();
}

}  // namespace

TEST_CASE("the store's report equals the JSONL report of the same spans, in every format") {
  TempStorePath tmp;
  std::vector<Span> spans;
  for (int i = 0; i < 200; ++i) spans.push_back(varied_span(i));
  std::string error;
  {
    auto store = SpanStore::open(store_options(tmp.path), &error);
    REQUIRE(store);
    for (const auto& s : spans) store->on_span(s);
  }
  std::string jsonl = write_jsonl(tmp, spans);
  for (const char* format : {"json", "csv", "table"}) {
    INFO(format);
    std::string from_file = report_of_file(jsonl, format);
    if (std::string(format) == "json") CHECK(from_file.find("\"calls\":200") != std::string::npos);
    CHECK(report_of_store(tmp.path, 0, format) == from_file);
  }
  std::remove(jsonl.c_str());
}

TEST_CASE("since T: only spans starting at or after T are counted") {
  TempStorePath tmp;
  const uint64_t base = 1'700'000'000'000'000'000ull;
  std::vector<Span> spans, recent;
  for (int i = 0; i < 60; ++i) {
    spans.push_back(varied_span(i, base));
    if (i >= 25) recent.push_back(spans.back());
  }
  std::string error;
  {
    auto store = SpanStore::open(store_options(tmp.path), &error);
    REQUIRE(store);
    for (const auto& s : spans) store->on_span(s);
  }
  uint64_t since = base + 25'000'000'000ull;  // == start of span 25: included
  auto q = StoreQuery::open(tmp.path, &error);
  REQUIRE(q);
  uint64_t count = 0;
  REQUIRE(q->count_since(since, count, &error));
  CHECK(count == 35);
  REQUIRE(q->count_since(since + 1, count, &error));
  CHECK(count == 34);
  std::vector<Span> got;
  REQUIRE(q->spans_since(since, got, &error));
  CHECK(got == recent);

  std::string jsonl = write_jsonl(tmp, recent);
  CHECK(report_of_store(tmp.path, since, "json") == report_of_file(jsonl, "json"));
  std::remove(jsonl.c_str());
}

TEST_CASE("report over a missing store fails with a reason, bad options keep their status") {
  std::ostringstream out, err;
  ReportOptions o;
  CHECK(run_store_report("/nonexistent-dir/spans.db", 0, o, out, err) == 1);
  CHECK(err.str().find("report: no store at /nonexistent-dir/spans.db") == 0);

  TempStorePath tmp;
  std::string error;
  { REQUIRE(SpanStore::open(store_options(tmp.path), &error)); }
  o.group_by = "nonsense";
  std::ostringstream out2, err2;
  CHECK(run_store_report(tmp.path, 0, o, out2, err2) == 2);
}

TEST_CASE("an empty store reports zero calls") {
  TempStorePath tmp;
  std::string error;
  { REQUIRE(SpanStore::open(store_options(tmp.path), &error)); }
  std::string json = report_of_store(tmp.path, 0, "json", "model");
  CHECK(json.find("\"calls\":0") != std::string::npos);
}
