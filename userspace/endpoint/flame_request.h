// Parameters of the flame graph endpoints, validated before anything is sampled:
//   POST /debug/flame?pid=N[&pid=M|,M]&seconds=S&frequency=HZ&format=svg|pprof|folded|json
//   GET  /debug/flame/continuous?format=...[&pid=N...]
// pid: 1..4194304 and a running process (at most 64); seconds: (0, 300] (default 10); frequency:
// 1..1000 Hz (default 99); format: default svg. Unknown or repeated parameters are errors too, so a
// typo never silently changes what is captured.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "endpoint/local_http_server.h"
#include "exporters/flame/profile_writer.h"

namespace agentprof {

enum class FlameFormat { kSvg, kPprof, kFolded, kJson };

struct FlameCaptureRequest {
  std::vector<uint32_t> pids;
  double seconds = 10;
  uint32_t frequency_hz = 99;
  FlameFormat format = FlameFormat::kSvg;
};

struct FlameContinuousRequest {
  std::set<uint32_t> pids;  // empty: every profiled process
  FlameFormat format = FlameFormat::kSvg;
};

inline constexpr double kMaxCaptureSeconds = 300;
inline constexpr uint32_t kMaxCaptureFrequencyHz = 1000;
inline constexpr size_t kMaxCapturePids = 64;

// False with `error` (the text of a 400 reply). `proc_dir` is where running processes are looked up.
bool parse_capture_request(const HttpRequest& request, FlameCaptureRequest& out, std::string& error,
                           const std::string& proc_dir = "/proc");
bool parse_continuous_request(const HttpRequest& request, FlameContinuousRequest& out, std::string& error);

bool parse_flame_format(const std::string& text, FlameFormat& out, std::string& error);
ProfileFormat profile_format_of(FlameFormat format);
const char* content_type_of(FlameFormat format);
const char* file_extension_of(FlameFormat format);  // "svg", "pb.gz", "folded", "json"

}  // namespace agentprof
