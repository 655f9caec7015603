#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "profile/cpu_split_metrics.h"

using namespace agentprof;
using namespace agentprof::profile;

namespace {
double value(const MetricFamily& f, const std::string& pid, const std::string& in_flight) {
  for (const NumberPoint& p : f.numbers) {
    bool pid_ok = false, flight_ok = false;
    for (const MetricLabel& l : p.labels) {
      pid_ok |= l.key == "pid" && l.value == pid;
      flight_ok |= l.key == "llm_call_in_flight" && l.value == in_flight;
    }
    if (pid_ok && flight_ok) return p.value;
  }
  return -1;
}
}  // namespace

TEST_CASE("samples become cumulative CPU seconds per process and in-flight state") {
  CpuSplitMetrics m;
  CpuActivitySplit a;
  a.add(7, true, 38);
  a.add(7, false, 19);
  m.add(a, {{7, "agent"}}, 19, 1);
  m.add(a, {{7, "agent"}}, 19, 2);
  MetricFamily f = m.family();
  CHECK(f.name == "agentprof.process.cpu");
  CHECK(f.unit == "s");
  CHECK(f.kind == MetricKind::kCounter);
  CHECK(value(f, "7", "true") == Approx(4.0));
  CHECK(value(f, "7", "false") == Approx(2.0));
  REQUIRE(f.numbers.size() == 2);
  CHECK(f.numbers[0].labels[1].value == "agent");
}

TEST_CASE("series are bounded: the least recently active process goes first") {
  CpuSplitMetrics m({.max_processes = 2});
  for (uint32_t pid : {1u, 2u, 3u}) {
    CpuActivitySplit a;
    a.add(pid, false, 1);
    m.add(a, {}, 1, pid);
  }
  CHECK(m.processes() == 2);
  CHECK(m.evicted() == 1);
  MetricFamily f = m.family();
  CHECK(value(f, "1", "false") == -1);
  CHECK(value(f, "3", "false") == 1);
}

TEST_CASE("an exited process is dropped after the grace period, a live one kept") {
  char dir_template[] = "/tmp/agentprof-proc-XXXXXX";
  REQUIRE(mkdtemp(dir_template));
  std::string proc = dir_template;
  REQUIRE(mkdir((proc + "/10").c_str(), 0700) == 0);
  CpuSplitMetrics m({.max_processes = 8, .exited_grace_ns = 100});
  CpuActivitySplit a;
  a.add(10, true, 1);
  a.add(11, true, 1);
  m.add(a, {}, 1, 0);
  m.expire(1000, proc);  // 11 seen gone now
  CHECK(m.processes() == 2);
  m.expire(1050, proc);  // not yet past the grace period
  CHECK(m.processes() == 2);
  m.expire(1100, proc);
  CHECK(m.processes() == 1);
  CHECK(value(m.family(), "10", "true") == 1);
  rmdir((proc + "/10").c_str());
  rmdir(proc.c_str());
}
