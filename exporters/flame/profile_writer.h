// Entry point of the flame exporters: write a Profile in the format its file name asks for.
//   .svg    interactive flame graph         .folded  folded stacks
//   .pb.gz  pprof (gzipped profile.proto)   .json    speedscope
// The file is written next to its destination and renamed into place, so readers never see half
// a profile.
#pragma once

#include <string>

#include "exporters/flame/speedscope_writer.h"
#include "exporters/flame/svg_writer.h"
#include "userspace/profile/profile.h"

namespace agentprof {

enum class ProfileFormat { kSvg, kFolded, kPprof, kSpeedscope };

struct ProfileWriteOptions {
  flame::SvgOptions svg;
  flame::SpeedscopeOptions speedscope;
};

// The format for a path's extension; false (with `error` listing the choices) when unknown.
bool profile_format_for_path(const std::string& path, ProfileFormat& format, std::string& error);

// Renders `profile` as `format` into `out` (for the HTTP endpoint: SVG or pprof bytes).
bool render_profile(const Profile& profile, ProfileFormat format, const ProfileWriteOptions& options,
                    std::string& out, std::string& error);

bool write_profile(const Profile& profile, const std::string& path, std::string& error);
bool write_profile(const Profile& profile, const std::string& path, const ProfileWriteOptions& options,
                   std::string& error);

}  // namespace agentprof
