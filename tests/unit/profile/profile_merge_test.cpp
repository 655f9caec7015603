#include <catch2/catch.hpp>

#include "profile/profile_merge.h"

using namespace agentprof;
using namespace agentprof::profile;

namespace {
StackSample sample(uint32_t pid, std::vector<std::string> names, uint64_t count) {
  StackSample s;
  s.pid = pid;
  s.comm = "p" + std::to_string(pid);
  for (const std::string& n : names) s.frames.push_back({n, "/bin/x", "", 0, FrameKind::kNative});
  s.count = count;
  return s;
}
std::shared_ptr<const Profile> window(uint64_t start_ns, std::vector<StackSample> samples, uint64_t lost = 0) {
  auto p = std::make_shared<Profile>();
  p->frequency_hz = 19;
  p->sample_period_ns = 1'000'000'000 / 19;
  p->start_unix_ns = start_ns;
  p->duration_ns = 10;
  p->lost_samples = lost;
  p->samples = std::move(samples);
  return p;
}
}  // namespace

TEST_CASE("windows merge: equal stacks of a process add up, time covers all windows") {
  auto a = window(100, {sample(1, {"main", "hot"}, 5), sample(2, {"main", "hot"}, 1)}, 2);
  auto b = window(110, {sample(1, {"main", "hot"}, 3), sample(1, {"main", "cold"}, 4)}, 1);
  Profile m = merge_profiles({a, b});
  CHECK(m.start_unix_ns == 100);
  CHECK(m.duration_ns == 20);
  CHECK(m.frequency_hz == 19);
  CHECK(m.lost_samples == 3);
  REQUIRE(m.samples.size() == 3);
  CHECK(m.samples[0].pid == 1);
  CHECK(m.samples[0].count == 8);          // same pid and frames
  CHECK(m.samples[1].pid == 2);            // same frames, other process: kept apart
  CHECK(m.samples[2].frames[1].function == "cold");
  Profile only2 = merge_profiles({a, b}, {2});
  REQUIRE(only2.samples.size() == 1);
  CHECK(only2.samples[0].count == 1);
  CHECK(merge_profiles({}).samples.empty());
}

TEST_CASE("a frame differing only in line is a different stack") {
  StackSample x = sample(1, {"f"}, 1), y = sample(1, {"f"}, 1);
  y.frames[0].line = 7;
  Profile m = merge_profiles({window(0, {x, y})});
  CHECK(m.samples.size() == 2);
}
