#include <catch2/catch.hpp>

#include "profile/cpu_activity_split.h"

using namespace agentprof::profile;

TEST_CASE("samples split per process by LLM call in flight") {
  CpuActivitySplit split;
  split.add(7, true, 30);
  split.add(7, false, 10);
  split.add(7, true, 10);
  split.add(9, false, 5);
  CHECK(split.by_pid[7].samples_llm_in_flight == 40);
  CHECK(split.by_pid[7].samples_no_llm_call == 10);
  CHECK(split.by_pid[9].total() == 5);
  std::string text = format_activity_split(split, {{7, "agent"}}, 100);
  CHECK(text.find("pid 7 (agent): 50 samples (0.50 CPU-s), 80.0% during LLM calls, 20.0% outside") != std::string::npos);
  CHECK(text.find("pid 9 (?): 5 samples") != std::string::npos);
}
