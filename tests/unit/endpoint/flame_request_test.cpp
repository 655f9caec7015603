#include "endpoint/flame_request.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include <catch2/catch.hpp>

using namespace agentprof;

namespace {

HttpRequest with(std::initializer_list<std::pair<std::string, std::string>> params) {
  HttpRequest r;
  r.method = "POST";
  r.path = "/debug/flame";
  for (const auto& p : params) r.params.emplace(p.first, p.second);
  return r;
}

std::string self() { return std::to_string(getpid()); }

std::string capture_error(std::initializer_list<std::pair<std::string, std::string>> params) {
  FlameCaptureRequest out;
  std::string error;
  CHECK_FALSE(parse_capture_request(with(params), out, error));
  return error;
}

}  // namespace

TEST_CASE("a capture request with defaults and with every parameter") {
  FlameCaptureRequest out;
  std::string error;
  REQUIRE(parse_capture_request(with({{"pid", self()}}), out, error));
  CHECK(out.pids == std::vector<uint32_t>{uint32_t(getpid())});
  CHECK(out.seconds == 10);
  CHECK(out.frequency_hz == 99);
  CHECK(out.format == FlameFormat::kSvg);

  REQUIRE(parse_capture_request(
      with({{"pid", self() + ",1"}, {"pid", "1"}, {"seconds", "2.5"}, {"frequency", "499"}, {"format", "pprof"}}), out,
      error));
  CHECK(out.pids == std::vector<uint32_t>{uint32_t(getpid()), 1});  // duplicates once, in order
  CHECK(out.seconds == 2.5);
  CHECK(out.frequency_hz == 499);
  CHECK(out.format == FlameFormat::kPprof);
  REQUIRE(parse_capture_request(with({{"pid", self()}, {"seconds", "300"}, {"format", "folded"}}), out, error));
  CHECK(out.format == FlameFormat::kFolded);
}

TEST_CASE("bad capture requests say what is wrong") {
  CHECK(capture_error({}) == "missing pid: POST /debug/flame?pid=PID[&seconds=S][&format=svg|pprof|folded|json]");
  CHECK(capture_error({{"pid", "abc"}}) == "bad pid 'abc': expected a process id between 1 and 4194304");
  CHECK(capture_error({{"pid", "0"}}) == "bad pid '0': expected a process id between 1 and 4194304");
  CHECK(capture_error({{"pid", "-5"}}) == "bad pid '-5': expected a process id between 1 and 4194304");
  CHECK(capture_error({{"pid", "4194305"}}) == "bad pid '4194305': expected a process id between 1 and 4194304");
  CHECK(capture_error({{"pid", self() + ","}}) == "bad pid '': expected a process id between 1 and 4194304");
  CHECK(capture_error({{"pid", "99999999999999999999"}}).rfind("bad pid '99999999999999999999'", 0) == 0);
  for (const char* s : {"0", "-1", "300.5", "301", "nan", "inf", "1e9", "", "5s", "0x10"})
    CHECK(capture_error({{"pid", self()}, {"seconds", s}}) ==
          std::string("bad seconds '") + s + "': expected a number in (0, 300]");
  CHECK(capture_error({{"pid", self()}, {"frequency", "0"}}) ==
        "bad frequency '0': expected whole Hz between 1 and 1000");
  CHECK(capture_error({{"pid", self()}, {"frequency", "1001"}}) ==
        "bad frequency '1001': expected whole Hz between 1 and 1000");
  CHECK(capture_error({{"pid", self()}, {"frequency", "99.5"}}) ==
        "bad frequency '99.5': expected whole Hz between 1 and 1000");
  CHECK(capture_error({{"pid", self()}, {"format", "png"}}) == "unknown format 'png': use svg, pprof, folded or json");
  CHECK(capture_error({{"pid", self()}, {"format", "SVG"}}) == "unknown format 'SVG': use svg, pprof, folded or json");
  CHECK(capture_error({{"pid", self()}, {"seconds", "1"}, {"seconds", "2"}}) == "parameter 'seconds' given more than once");
  CHECK(capture_error({{"pid", self()}, {"secs", "1"}}) == "unknown parameter 'secs' (known: format, frequency, pid, seconds)");
}

TEST_CASE("pids are looked up among running processes, at most 64") {
  // A fake /proc with processes 1..65.
  char dir_template[] = "/tmp/agentprof-proc-XXXXXX";
  REQUIRE(mkdtemp(dir_template));
  std::string proc = dir_template;
  std::string many;
  for (int i = 1; i <= 65; i++) {
    REQUIRE(mkdir((proc + "/" + std::to_string(i)).c_str(), 0700) == 0);
    many += (i > 1 ? "," : "") + std::to_string(i);
  }
  FlameCaptureRequest out;
  std::string error;
  CHECK_FALSE(parse_capture_request(with({{"pid", many}}), out, error, proc));
  CHECK(error == "too many pids: at most 64");
  CHECK_FALSE(parse_capture_request(with({{"pid", "66"}}), out, error, proc));
  CHECK(error == "bad pid 66: no such process");
  CHECK(parse_capture_request(with({{"pid", "64"}}), out, error, proc));
  for (int i = 1; i <= 65; i++) rmdir((proc + "/" + std::to_string(i)).c_str());
  rmdir(proc.c_str());
}

TEST_CASE("continuous requests accept exited pids but check their syntax") {
  FlameContinuousRequest out;
  std::string error;
  HttpRequest r = with({{"format", "json"}, {"pid", "4194304,7"}});
  REQUIRE(parse_continuous_request(r, out, error));
  CHECK(out.pids == std::set<uint32_t>{7, 4194304});
  CHECK(out.format == FlameFormat::kJson);
  REQUIRE(parse_continuous_request(with({}), out, error));
  CHECK(out.pids.empty());
  CHECK(out.format == FlameFormat::kSvg);
  CHECK_FALSE(parse_continuous_request(with({{"pid", "x"}}), out, error));
  CHECK(error == "bad pid 'x': expected a process id between 1 and 4194304");
  CHECK_FALSE(parse_continuous_request(with({{"seconds", "1"}}), out, error));
  CHECK(error == "unknown parameter 'seconds' (known: format, pid)");
  CHECK_FALSE(parse_continuous_request(with({{"format", "txt"}}), out, error));
}

TEST_CASE("formats map to content types, writer formats and file names") {
  CHECK(std::string(content_type_of(FlameFormat::kSvg)) == "image/svg+xml");
  CHECK(std::string(content_type_of(FlameFormat::kPprof)) == "application/octet-stream");
  CHECK(std::string(content_type_of(FlameFormat::kFolded)) == "text/plain; charset=utf-8");
  CHECK(std::string(content_type_of(FlameFormat::kJson)) == "application/json");
  CHECK(profile_format_of(FlameFormat::kJson) == ProfileFormat::kSpeedscope);
  CHECK(profile_format_of(FlameFormat::kPprof) == ProfileFormat::kPprof);
  CHECK(std::string(file_extension_of(FlameFormat::kPprof)) == "pb.gz");
}
