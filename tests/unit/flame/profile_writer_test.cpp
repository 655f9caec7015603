#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <unistd.h>

#include <simdjson.h>

#include "exporters/flame/pprof_writer.h"
#include "exporters/flame/profile_writer.h"
#include "exporters/flame/text_escape.h"
#include "proto/profile.pb.h"
#include "profile_fixtures.h"

using namespace agentprof;
using namespace agentprof::flame::testing;

TEST_CASE("the extension picks the format", "[flame]") {
  ProfileFormat format;
  std::string error;
  REQUIRE(profile_format_for_path("out.svg", format, error));
  CHECK(format == ProfileFormat::kSvg);
  REQUIRE(profile_format_for_path("/x/out.folded", format, error));
  CHECK(format == ProfileFormat::kFolded);
  REQUIRE(profile_format_for_path("out.pb.gz", format, error));
  CHECK(format == ProfileFormat::kPprof);
  REQUIRE(profile_format_for_path("out.json", format, error));
  CHECK(format == ProfileFormat::kSpeedscope);
  CHECK_FALSE(profile_format_for_path("out.gz", format, error));
  CHECK(error.find(".pb.gz") != std::string::npos);
  CHECK_FALSE(profile_format_for_path(".svg", format, error));  // no file name
}

TEST_CASE("write_profile writes each format and leaves no temporary file", "[flame]") {
  const Profile profile = sample_profile();
  for (const std::string ext : {".svg", ".folded", ".pb.gz", ".json"}) {
    const std::string path = temp_path("out" + ext);
    std::string error;
    INFO(ext);
    REQUIRE(write_profile(profile, path, error));
    const std::string bytes = read_file(path);
    std::string expected;
    ProfileFormat format;
    REQUIRE(profile_format_for_path(path, format, error));
    REQUIRE(render_profile(profile, format, ProfileWriteOptions{}, expected, error));
    CHECK(bytes == expected);
    CHECK(::access((path + ".tmp").c_str(), F_OK) != 0);
    std::remove(path.c_str());
  }
}

TEST_CASE("write_profile reports unwritable paths and bad profiles", "[flame]") {
  std::string error;
  CHECK_FALSE(write_profile(sample_profile(), "/nonexistent-dir/x/out.svg", error));
  CHECK(error.find("/nonexistent-dir/x/out.svg.tmp") != std::string::npos);

  Profile overflowing;
  overflowing.samples.push_back({1, "a", {native("f")}, ~uint64_t{0}});
  const std::string path = temp_path("overflow.folded");
  error.clear();
  CHECK_FALSE(write_profile(overflowing, path, error));
  CHECK_FALSE(error.empty());
  CHECK(::access(path.c_str(), F_OK) != 0);
}

TEST_CASE("empty profile: every format writes a valid file", "[flame]") {
  for (const std::string ext : {".svg", ".folded", ".pb.gz", ".json"}) {
    const std::string path = temp_path("empty" + ext);
    std::string error;
    INFO(ext);
    REQUIRE(write_profile(Profile{}, path, error));
    CHECK(::access(path.c_str(), F_OK) == 0);
    std::remove(path.c_str());
  }
}

// 1M samples over 100k distinct 20-deep stacks drawn from 3000 functions, plus one 10000-deep
// recursion: each format must finish in reasonable time (timings printed for the report).
TEST_CASE("huge profile is written in reasonable time", "[flame][huge]") {
  Profile profile;
  profile.sample_period_ns = 10'101'010;
  profile.frequency_hz = 99;
  uint64_t rng = 42;
  auto next = [&] {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return rng >> 33;
  };
  std::vector<Frame> pool;
  for (int i = 0; i < 3000; ++i) {
    pool.push_back(make_frame("fn_" + std::to_string(i), i % 10 == 0 ? FrameKind::kKernel : FrameKind::kNative,
                              "/lib/m" + std::to_string(i % 7) + ".so"));
  }
  for (int s = 0; s < 100'000; ++s) {
    StackSample sample = make_sample(static_cast<uint32_t>(1 + s % 4), "worker" + std::to_string(s % 4), 10);
    sample.frames.reserve(20);
    // A narrowing tree: shallow frames come from few functions, deep ones from many.
    for (int d = 0; d < 20; ++d) sample.frames.push_back(pool[next() % std::min<uint64_t>(3000, 3 + d * d * 8)]);
    profile.samples.push_back(std::move(sample));
  }
  StackSample deep = make_sample(9, "recursive", 1000);
  for (int d = 0; d < 10'000; ++d) deep.frames.push_back(native("recurse"));
  profile.samples.push_back(std::move(deep));

  for (const std::string ext : {".folded", ".svg", ".pb.gz", ".json"}) {
    const std::string path = temp_path("huge" + ext);
    std::string error;
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(write_profile(profile, path, error));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::string bytes = read_file(path);
    std::printf("huge profile (1.001M samples, 100k stacks x 20 + 1 x 10000 frames) -> %s: %.2f s, %.1f MB\n",
                ext.c_str(), seconds, static_cast<double>(bytes.size()) / 1e6);
    CHECK(seconds < 30);
    if (ext == ".svg") CHECK(bytes.size() < 64'000'000);  // narrow boxes are dropped
    std::remove(path.c_str());
  }
}

// Random bytes in every string, random kinds, zero counts and empty stacks: every format renders,
// and the strict readers (simdjson validates UTF-8, proto3 parsing rejects invalid UTF-8) accept it.
TEST_CASE("random hostile profiles render in every format and parse back", "[flame]") {
  uint64_t rng = 7;
  auto next = [&] {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(rng >> 33);
  };
  auto random_text = [&] {
    std::string s(next() % 12, '\0');
    for (char& c : s) c = static_cast<char>(next() % 256);
    return s;
  };
  for (int round = 0; round < 200; ++round) {
    Profile profile;
    profile.sample_period_ns = next() % 3 == 0 ? 0 : 1 + next() % 100'000'000;
    const int samples = static_cast<int>(next() % 6);
    for (int s = 0; s < samples; ++s) {
      StackSample sample = make_sample(next() % 4, random_text(), next() % 5);
      const int depth = static_cast<int>(next() % 6);
      for (int d = 0; d < depth; ++d) {
        sample.frames.push_back(make_frame(random_text(), static_cast<FrameKind>(next() % 5), random_text(),
                                           random_text(), next() % 3));
      }
      profile.samples.push_back(std::move(sample));
    }
    for (const ProfileFormat format :
         {ProfileFormat::kSvg, ProfileFormat::kFolded, ProfileFormat::kPprof, ProfileFormat::kSpeedscope}) {
      std::string out, error;
      REQUIRE(render_profile(profile, format, ProfileWriteOptions{}, out, error));
      if (format == ProfileFormat::kSpeedscope) {
        simdjson::dom::parser parser;
        simdjson::dom::element doc;
        REQUIRE(parser.parse(out).get(doc) == simdjson::SUCCESS);
      } else if (format == ProfileFormat::kPprof) {
        std::string raw;
        REQUIRE(flame::render_pprof_proto(profile, raw, error));
        perftools::profiles::Profile decoded;
        REQUIRE(decoded.ParseFromString(raw));
      } else if (format == ProfileFormat::kSvg) {
        CHECK(flame::is_valid_utf8(out));
      }
    }
  }
}
