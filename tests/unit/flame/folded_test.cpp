#include <catch2/catch.hpp>

#include "exporters/flame/folded_writer.h"
#include "profile_fixtures.h"

using namespace agentprof;
using namespace agentprof::flame;
using namespace agentprof::flame::testing;

TEST_CASE("folded output is exact: sorted lines, duplicates merged, root first", "[flame]") {
  std::string out, error;
  REQUIRE(render_folded(sample_profile(), out, error));
  CHECK(out ==
        "agent;main;idle 20\n"
        "agent;main;work;hot 75\n"
        "agent;main;work;sys_write_[k] 5\n"
        "python3;_PyEval;handle (app.py) 40\n");
}

TEST_CASE("folded output skips zero counts, keeps frameless samples, escapes separators", "[flame]") {
  Profile p;
  p.samples.push_back({1, "a;b", {native("f;g")}, 2});
  p.samples.push_back({1, "a;b", {native("unused")}, 0});
  p.samples.push_back({2, "", {}, 4});
  std::string out, error;
  REQUIRE(render_folded(p, out, error));
  CHECK(out == "[pid 2] 4\na:b;f:g 2\n");
}

TEST_CASE("folded output of an empty profile is empty", "[flame]") {
  std::string out = "stale", error;
  REQUIRE(render_folded(Profile{}, out, error));
  CHECK(out.empty());
}

TEST_CASE("counts that would overflow are refused, not wrapped", "[flame]") {
  Profile p;
  p.samples.push_back({1, "a", {native("f")}, ~uint64_t{0}});
  p.samples.push_back({1, "a", {native("g")}, 2});
  std::string out, error;
  CHECK_FALSE(render_folded(p, out, error));
  CHECK(error.find("2^53") != std::string::npos);
  CHECK(out.empty());
}
