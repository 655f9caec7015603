#include "metrics/process_self_stats.h"

#include <catch2/catch.hpp>

using namespace agentprof;

TEST_CASE("proc stat times are fields 14 and 15, even with ') ' inside the command name") {
  unsigned long long u = 0, s = 0;
  std::string line =
      "1234 (we ird) 1 2) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 1 0 12345 1000 200";
  REQUIRE(parse_proc_stat_times(line, u, s));
  CHECK(u == 250);
  CHECK(s == 75);
  CHECK_FALSE(parse_proc_stat_times("1234 (x) S 1 2", u, s));
  CHECK_FALSE(parse_proc_stat_times("no parenthesis", u, s));
  CHECK_FALSE(parse_proc_stat_times("1 (x) S 1 1 1 0 -1 4 1 0 0 0 abc 75", u, s));
}

TEST_CASE("self stats of this test process are plausible") {
  auto s = read_process_self_stats();
  REQUIRE(s);
  CHECK(s->rss_bytes > 1024 * 1024);  // a running C++ test binary holds more than 1 MiB
  CHECK(s->cpu_user_seconds >= 0);
}
