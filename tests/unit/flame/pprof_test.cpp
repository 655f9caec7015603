#include <catch2/catch.hpp>
#include <zlib.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

#include "exporters/flame/pprof_writer.h"
#include "exporters/flame/profile_writer.h"
#include "profile_fixtures.h"
#include "proto/profile.pb.h"

using namespace agentprof;
using namespace agentprof::flame;
using namespace agentprof::flame::testing;
namespace pb = perftools::profiles;

namespace {

std::string gunzip(const std::string& gz) {
  z_stream zs{};
  REQUIRE(inflateInit2(&zs, 15 + 16) == Z_OK);
  std::string out(gz.size() * 8 + 1024, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  zs.avail_in = static_cast<uInt>(gz.size());
  int rc;
  do {
    if (zs.total_out == out.size()) out.resize(out.size() * 2);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + zs.total_out);
    zs.avail_out = static_cast<uInt>(out.size() - zs.total_out);
    rc = inflate(&zs, Z_NO_FLUSH);
  } while (rc == Z_OK);
  REQUIRE(rc == Z_STREAM_END);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

pb::Profile decode(const Profile& profile) {
  std::string gz, error;
  REQUIRE(render_pprof_gz(profile, gz, error));
  REQUIRE(gz.size() > 2);
  CHECK(static_cast<uint8_t>(gz[0]) == 0x1f);  // gzip magic
  CHECK(static_cast<uint8_t>(gz[1]) == 0x8b);
  pb::Profile decoded;
  REQUIRE(decoded.ParseFromString(gunzip(gz)));
  return decoded;
}

// A sample's stack as "root;...;leaf" of function names, and its "file:line" leaf detail.
struct DecodedStack {
  std::string stack;
  std::string leaf_line;
};

}  // namespace

TEST_CASE("pprof round-trips through the generated protobuf classes", "[flame]") {
  const pb::Profile p = decode(sample_profile());
  const auto& st = p.string_table();
  REQUIRE(st.size() > 0);
  CHECK(st[0].empty());
  auto str = [&](int64_t i) {
    REQUIRE(i >= 0);
    REQUIRE(i < st.size());
    return st[static_cast<int>(i)];
  };

  REQUIRE(p.sample_type_size() == 2);
  CHECK(str(p.sample_type(0).type()) == "samples");
  CHECK(str(p.sample_type(0).unit()) == "count");
  CHECK(str(p.sample_type(1).type()) == "cpu");
  CHECK(str(p.sample_type(1).unit()) == "nanoseconds");
  CHECK(str(p.default_sample_type()) == "cpu");
  CHECK(str(p.period_type().type()) == "cpu");
  CHECK(p.period() == 10'000'000);
  CHECK(p.time_nanos() == 1'700'000'000'000'000'000);
  CHECK(p.duration_nanos() == 2'000'000'000);
  REQUIRE(p.comment_size() == 1);
  CHECK(str(p.comment(0)) == "lost_samples=3");

  // Mappings: one per module, ids 1..n, no duplicates.
  std::map<uint64_t, std::string> mappings;
  for (const auto& m : p.mapping()) {
    CHECK(m.has_functions());
    CHECK(mappings.emplace(m.id(), str(m.filename())).second);
  }
  CHECK(mappings == std::map<uint64_t, std::string>{{1, "/usr/bin/agent"}, {2, "[kernel]"}, {3, "/usr/bin/python3.11"}});

  std::map<uint64_t, std::pair<std::string, std::string>> functions;  // id -> name, file
  for (const auto& f : p.function()) {
    CHECK(f.name() == f.system_name());
    CHECK(functions.emplace(f.id(), std::make_pair(str(f.name()), str(f.filename()))).second);
  }
  // main, work, hot, sys_write, idle, _PyEval, handle (lines 10 and 12 share one function).
  CHECK(functions.size() == 7);

  // Locations: one per distinct frame (handle@10 and handle@12 differ), each with one line.
  std::map<uint64_t, const pb::Location*> locations;
  std::set<std::string> location_keys;
  for (const auto& loc : p.location()) {
    REQUIRE(loc.line_size() == 1);
    REQUIRE(functions.count(loc.line(0).function_id()) == 1);
    CHECK(locations.emplace(loc.id(), &loc).second);
    CHECK(location_keys.insert(functions[loc.line(0).function_id()].first + "@" + std::to_string(loc.line(0).line()) +
                               "#" + std::to_string(loc.mapping_id())).second);
  }
  CHECK(locations.size() == 8);
  const auto& handle10 = *std::find_if(p.location().begin(), p.location().end(), [&](const pb::Location& l) {
    return functions[l.line(0).function_id()].first == "handle" && l.line(0).line() == 10;
  });
  CHECK(handle10.mapping_id() == 0);  // Python frame without module
  CHECK(functions[handle10.line(0).function_id()].second == "app.py");

  // Samples: one per input stack, leaf first, values [count, count * period], pid/comm labels.
  REQUIRE(p.sample_size() == 6);
  std::vector<std::string> got;
  for (const auto& s : p.sample()) {
    std::string stack;
    for (int i = s.location_id_size() - 1; i >= 0; --i) {
      REQUIRE(locations.count(s.location_id(i)) == 1);
      const auto& loc = *locations[s.location_id(i)];
      stack += functions[loc.line(0).function_id()].first;
      if (loc.line(0).line() != 0) stack += "@" + std::to_string(loc.line(0).line());
      if (i != 0) stack += ";";
    }
    REQUIRE(s.value_size() == 2);
    CHECK(s.value(1) == s.value(0) * 10'000'000);
    REQUIRE(s.label_size() == 2);
    CHECK(str(s.label(0).key()) == "pid");
    CHECK(str(s.label(1).key()) == "comm");
    got.push_back(str(s.label(1).str()) + "/" + std::to_string(s.label(0).num()) + ":" + stack + " " +
                  std::to_string(s.value(0)));
  }
  CHECK(got == std::vector<std::string>{
                   "agent/100:main;work;hot 60",
                   "agent/100:main;work;hot 15",
                   "agent/100:main;work;sys_write 5",
                   "agent/100:main;idle 20",
                   "python3/200:_PyEval;handle@10 30",
                   "python3/200:_PyEval;handle@12 10",
               });
}

TEST_CASE("pprof without a known period has only the count sample type", "[flame]") {
  Profile profile;
  profile.samples.push_back({1, "a", {native("f")}, 3});
  const pb::Profile p = decode(profile);
  REQUIRE(p.sample_type_size() == 1);
  CHECK(p.period() == 0);
  REQUIRE(p.sample_size() == 1);
  CHECK(p.sample(0).value_size() == 1);
}

TEST_CASE("pprof of an empty profile is valid; invalid UTF-8 names are repaired", "[flame]") {
  const pb::Profile empty = decode(Profile{});
  CHECK(empty.sample_size() == 0);
  CHECK(empty.string_table(0).empty());

  Profile profile;
  profile.samples.push_back({1, "a\xFF", {native("f\xC0")}, 1});
  const pb::Profile p = decode(profile);  // proto3 parsing rejects invalid UTF-8 strings
  CHECK(p.string_table(static_cast<int>(p.function(0).name())) == "f\xEF\xBF\xBD");
}

TEST_CASE("go tool pprof -top agrees on the top functions", "[flame][go]") {
  std::string which;
  if (run_command("command -v go", which) != 0) {
    const char* ci = std::getenv("CI");
    if (ci != nullptr && std::string(ci) == "true") FAIL("go is required under CI=true (apt-get install golang-go)");
    WARN("go not found: skipping the go tool pprof check (apt-get install golang-go)");
    return;
  }
  const std::string path = temp_path("top.pb.gz");
  std::string error;
  REQUIRE(write_profile(sample_profile(), path, error));
  std::string out;
  // Own cache/home so the check works for any user; -sample_index=samples makes flat counts.
  const std::string env = "HOME=/tmp GOCACHE=/tmp/agentprof-gocache PPROF_TMPDIR=/tmp ";
  std::string cpu_out;
  run_command(env + "go tool pprof -top " + path + " 2>&1", cpu_out);
  const int rc = run_command(env + "go tool pprof -top -sample_index=samples " + path + " 2>&1", out);
  std::remove(path.c_str());
  INFO(out);
  REQUIRE(rc == 0);
  // Flat samples: hot 75, handle 40, idle 20, sys_write 5, in that order.
  const auto hot = out.find(" hot\n"), handle = out.find(" handle\n"), idle = out.find(" idle\n"),
             sys_write = out.find(" sys_write\n");
  REQUIRE(hot != std::string::npos);
  REQUIRE(handle != std::string::npos);
  REQUIRE(idle != std::string::npos);
  REQUIRE(sys_write != std::string::npos);
  CHECK(hot < handle);
  CHECK(handle < idle);
  CHECK(idle < sys_write);
  CHECK(out.find("Showing nodes accounting for 140, 100% of 140 total") != std::string::npos);
  // Default sample type is cpu: 140 samples x 10 ms.
  INFO(cpu_out);
  CHECK(cpu_out.find("Showing nodes accounting for 1400ms, 100% of 1400ms total") != std::string::npos);
}
