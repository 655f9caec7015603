#include <catch2/catch.hpp>
#include <simdjson.h>

#include "exporters/flame/speedscope_writer.h"
#include "profile_fixtures.h"

using namespace agentprof;
using namespace agentprof::flame;
using namespace agentprof::flame::testing;

namespace {

struct ParsedFrame {
  std::string name, file;
  uint64_t line = 0;
};
struct ParsedProfile {
  std::string name, unit;
  uint64_t end_value = 0;
  std::vector<std::vector<uint64_t>> samples;
  std::vector<uint64_t> weights;
};
struct ParsedFile {
  std::vector<ParsedFrame> frames;
  std::vector<ParsedProfile> profiles;
};

ParsedFile parse(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(json).get(doc) == simdjson::SUCCESS);
  ParsedFile file;
  CHECK(std::string(doc["$schema"].get_string().value()) == "https://www.speedscope.app/file-format-schema.json");
  for (auto f : doc["shared"]["frames"].get_array()) {
    ParsedFrame frame;
    frame.name = std::string(f["name"].get_string().value());
    std::string_view sv;
    if (f["file"].get(sv) == simdjson::SUCCESS) frame.file = std::string(sv);
    uint64_t line;
    if (f["line"].get(line) == simdjson::SUCCESS) frame.line = line;
    file.frames.push_back(frame);
  }
  for (auto p : doc["profiles"].get_array()) {
    ParsedProfile profile;
    CHECK(std::string(p["type"].get_string().value()) == "sampled");
    CHECK(p["startValue"].get_uint64().value() == 0);
    profile.name = std::string(p["name"].get_string().value());
    profile.unit = std::string(p["unit"].get_string().value());
    profile.end_value = p["endValue"].get_uint64().value();
    for (auto s : p["samples"].get_array()) {
      std::vector<uint64_t> stack;
      for (auto id : s.get_array()) stack.push_back(id.get_uint64().value());
      profile.samples.push_back(stack);
    }
    for (auto w : p["weights"].get_array()) profile.weights.push_back(w.get_uint64().value());
    file.profiles.push_back(profile);
  }
  return file;
}

std::string stack_text(const ParsedFile& file, const std::vector<uint64_t>& stack) {
  std::string out;
  for (const uint64_t id : stack) {
    REQUIRE(id < file.frames.size());
    if (!out.empty()) out += ";";
    out += file.frames[id].name;
  }
  return out;
}

}  // namespace

TEST_CASE("speedscope: one sampled profile per process over shared frames", "[flame]") {
  std::string json, error;
  REQUIRE(render_speedscope(sample_profile(), SpeedscopeOptions{}, json, error));
  const ParsedFile file = parse(json);

  // Distinct frames: main, work, hot, sys_write, idle, _PyEval, handle@10, handle@12.
  REQUIRE(file.frames.size() == 8);
  CHECK(file.frames[0].name == "main");
  CHECK(file.frames[0].file == "/usr/bin/agent");  // module stands in for a missing source file
  CHECK(file.frames[6].name == "handle");
  CHECK(file.frames[6].file == "app.py");
  CHECK(file.frames[6].line == 10);
  CHECK(file.frames[7].line == 12);

  REQUIRE(file.profiles.size() == 2);
  const ParsedProfile& agent = file.profiles[0];
  CHECK(agent.name == "agent (pid 100)");
  CHECK(agent.unit == "nanoseconds");
  REQUIRE(agent.samples.size() == 4);
  CHECK(stack_text(file, agent.samples[0]) == "main;work;hot");  // root first
  CHECK(stack_text(file, agent.samples[2]) == "main;work;sys_write");
  CHECK(agent.weights == std::vector<uint64_t>{600'000'000, 150'000'000, 50'000'000, 200'000'000});
  CHECK(agent.end_value == 1'000'000'000);
  const ParsedProfile& py = file.profiles[1];
  CHECK(py.name == "python3 (pid 200)");
  REQUIRE(py.samples.size() == 2);
  CHECK(py.samples[0] == std::vector<uint64_t>{5, 6});
  CHECK(py.samples[1] == std::vector<uint64_t>{5, 7});
  CHECK(py.end_value == 400'000'000);
}

TEST_CASE("speedscope: combined profile starts each stack with its process", "[flame]") {
  std::string json, error;
  SpeedscopeOptions options;
  options.per_process = false;
  Profile profile = sample_profile();
  profile.sample_period_ns = 0;
  profile.frequency_hz = 0;  // unknown period: weights are sample counts
  REQUIRE(render_speedscope(profile, options, json, error));
  const ParsedFile file = parse(json);
  REQUIRE(file.frames.size() == 10);
  REQUIRE(file.profiles.size() == 1);
  const ParsedProfile& all = file.profiles[0];
  CHECK(all.unit == "none");
  CHECK(all.end_value == 140);
  REQUIRE(all.samples.size() == 6);
  CHECK(stack_text(file, all.samples[0]) == "agent (pid 100);main;work;hot");
  CHECK(stack_text(file, all.samples[5]) == "python3 (pid 200);_PyEval;handle");
  CHECK(all.weights == std::vector<uint64_t>{60, 15, 5, 20, 30, 10});
}

TEST_CASE("speedscope: empty profile still parses, with one empty profile", "[flame]") {
  std::string json, error;
  REQUIRE(render_speedscope(Profile{}, SpeedscopeOptions{}, json, error));
  const ParsedFile file = parse(json);
  CHECK(file.frames.empty());
  REQUIRE(file.profiles.size() == 1);
  CHECK(file.profiles[0].samples.empty());
  CHECK(file.profiles[0].end_value == 0);
}
