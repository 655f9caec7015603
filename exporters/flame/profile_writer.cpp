#include "exporters/flame/profile_writer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "exporters/flame/folded_writer.h"
#include "exporters/flame/pprof_writer.h"

namespace agentprof {

bool profile_format_for_path(const std::string& path, ProfileFormat& format, std::string& error) {
  auto ends_with = [&](std::string_view suffix) {
    return path.size() > suffix.size() && std::string_view(path).ends_with(suffix);
  };
  if (ends_with(".svg")) {
    format = ProfileFormat::kSvg;
  } else if (ends_with(".folded")) {
    format = ProfileFormat::kFolded;
  } else if (ends_with(".pb.gz")) {
    format = ProfileFormat::kPprof;
  } else if (ends_with(".json")) {
    format = ProfileFormat::kSpeedscope;
  } else {
    error = "unknown profile format for '" + path + "': use .svg, .folded, .pb.gz or .json";
    return false;
  }
  return true;
}

bool render_profile(const Profile& profile, ProfileFormat format, const ProfileWriteOptions& options,
                    std::string& out, std::string& error) {
  switch (format) {
    case ProfileFormat::kSvg: return flame::render_svg(profile, options.svg, out, error);
    case ProfileFormat::kFolded: return flame::render_folded(profile, out, error);
    case ProfileFormat::kPprof: return flame::render_pprof_gz(profile, out, error);
    case ProfileFormat::kSpeedscope: return flame::render_speedscope(profile, options.speedscope, out, error);
  }
  error = "unknown profile format";
  return false;
}

bool write_profile(const Profile& profile, const std::string& path, std::string& error) {
  return write_profile(profile, path, ProfileWriteOptions{}, error);
}

bool write_profile(const Profile& profile, const std::string& path, const ProfileWriteOptions& options,
                   std::string& error) {
  ProfileFormat format;
  if (!profile_format_for_path(path, format, error)) return false;
  std::string bytes;
  if (!render_profile(profile, format, options, bytes, error)) return false;

  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    error = "cannot create " + tmp + ": " + std::strerror(errno);
    return false;
  }
  const bool written = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  const int write_errno = errno;
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed) {
    error = "cannot write " + tmp + ": " + std::strerror(written ? errno : write_errno);
    std::remove(tmp.c_str());
    return false;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    error = "cannot rename " + tmp + " to " + path + ": " + std::strerror(errno);
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace agentprof
