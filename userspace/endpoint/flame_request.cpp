#include "endpoint/flame_request.h"

#include <sys/stat.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <set>

namespace agentprof {

namespace {

constexpr uint64_t kMaxPid = 4'194'304;  // the kernel's PID_MAX_LIMIT on 64-bit

// At most one value for a parameter; `present` says whether it was given.
bool single(const HttpRequest& r, const std::string& name, std::string& value, bool& present, std::string& error) {
  std::vector<std::string> v = r.values(name);
  present = !v.empty();
  if (v.size() > 1) {
    error = "parameter '" + name + "' given more than once";
    return false;
  }
  if (present) value = v[0];
  return true;
}

bool only_known(const HttpRequest& r, const std::set<std::string>& known, std::string& error) {
  for (const auto& [name, value] : r.params)
    if (!known.count(name)) {
      std::string list;
      for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
      error = "unknown parameter '" + name + "' (known: " + list + ")";
      return false;
    }
  return true;
}

bool parse_u64(const std::string& text, uint64_t& out) {
  if (text.empty() || text.size() > 19) return false;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && p == text.data() + text.size();
}

// pid=N, repeated or comma-separated. `proc_dir` empty: syntax only (windows keep exited processes).
bool parse_pids(const HttpRequest& r, std::vector<uint32_t>& out, std::string& error, const std::string& proc_dir) {
  std::set<uint32_t> seen;
  for (const std::string& value : r.values("pid")) {
    size_t start = 0;
    for (;;) {
      size_t comma = value.find(',', start);
      std::string item = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      uint64_t pid = 0;
      if (!parse_u64(item, pid) || pid == 0 || pid > kMaxPid) {
        error = "bad pid '" + item + "': expected a process id between 1 and " + std::to_string(kMaxPid);
        return false;
      }
      struct stat st;
      if (!proc_dir.empty() && stat((proc_dir + "/" + std::to_string(pid)).c_str(), &st) != 0) {
        error = "bad pid " + std::to_string(pid) + ": no such process";
        return false;
      }
      if (seen.insert(uint32_t(pid)).second) out.push_back(uint32_t(pid));
      if (out.size() > kMaxCapturePids) {
        error = "too many pids: at most " + std::to_string(kMaxCapturePids);
        return false;
      }
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return true;
}

bool parse_format_param(const HttpRequest& r, FlameFormat& out, std::string& error) {
  std::string text;
  bool present = false;
  if (!single(r, "format", text, present, error)) return false;
  return !present || parse_flame_format(text, out, error);
}

}  // namespace

bool parse_flame_format(const std::string& text, FlameFormat& out, std::string& error) {
  if (text == "svg") out = FlameFormat::kSvg;
  else if (text == "pprof") out = FlameFormat::kPprof;
  else if (text == "folded") out = FlameFormat::kFolded;
  else if (text == "json") out = FlameFormat::kJson;
  else {
    error = "unknown format '" + text + "': use svg, pprof, folded or json";
    return false;
  }
  return true;
}

bool parse_capture_request(const HttpRequest& r, FlameCaptureRequest& out, std::string& error,
                           const std::string& proc_dir) {
  out = FlameCaptureRequest{};
  if (!only_known(r, {"pid", "seconds", "frequency", "format"}, error)) return false;
  if (!parse_pids(r, out.pids, error, proc_dir)) return false;
  if (out.pids.empty()) {
    error = "missing pid: POST /debug/flame?pid=PID[&seconds=S][&format=svg|pprof|folded|json]";
    return false;
  }
  std::string text;
  bool present = false;
  if (!single(r, "seconds", text, present, error)) return false;
  if (present) {
    // Plain decimal only: strtod would also take hex, exponents and "inf".
    bool decimal = !text.empty() && text.find_first_not_of("0123456789.") == std::string::npos;
    char* end = nullptr;
    double s = decimal ? std::strtod(text.c_str(), &end) : 0;
    if (!decimal || *end || !std::isfinite(s) || s <= 0 || s > kMaxCaptureSeconds) {
      error = "bad seconds '" + text + "': expected a number in (0, 300]";
      return false;
    }
    out.seconds = s;
  }
  if (!single(r, "frequency", text, present, error)) return false;
  if (present) {
    uint64_t hz = 0;
    if (!parse_u64(text, hz) || hz == 0 || hz > kMaxCaptureFrequencyHz) {
      error = "bad frequency '" + text + "': expected whole Hz between 1 and " + std::to_string(kMaxCaptureFrequencyHz);
      return false;
    }
    out.frequency_hz = uint32_t(hz);
  }
  return parse_format_param(r, out.format, error);
}

bool parse_continuous_request(const HttpRequest& r, FlameContinuousRequest& out, std::string& error) {
  out = FlameContinuousRequest{};
  if (!only_known(r, {"pid", "format"}, error)) return false;
  std::vector<uint32_t> pids;
  if (!parse_pids(r, pids, error, "")) return false;
  out.pids.insert(pids.begin(), pids.end());
  return parse_format_param(r, out.format, error);
}

ProfileFormat profile_format_of(FlameFormat f) {
  switch (f) {
    case FlameFormat::kSvg: return ProfileFormat::kSvg;
    case FlameFormat::kPprof: return ProfileFormat::kPprof;
    case FlameFormat::kFolded: return ProfileFormat::kFolded;
    case FlameFormat::kJson: return ProfileFormat::kSpeedscope;
  }
  return ProfileFormat::kSvg;
}

const char* content_type_of(FlameFormat f) {
  switch (f) {
    case FlameFormat::kSvg: return "image/svg+xml";
    case FlameFormat::kPprof: return "application/octet-stream";  // gzipped profile.proto, as Go's pprof serves it
    case FlameFormat::kFolded: return "text/plain; charset=utf-8";
    case FlameFormat::kJson: return "application/json";
  }
  return "application/octet-stream";
}

const char* file_extension_of(FlameFormat f) {
  switch (f) {
    case FlameFormat::kSvg: return "svg";
    case FlameFormat::kPprof: return "pb.gz";
    case FlameFormat::kFolded: return "folded";
    case FlameFormat::kJson: return "json";
  }
  return "bin";
}

}  // namespace agentprof
