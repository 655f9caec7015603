// A self-contained interactive SVG flame graph (see svg_script.h for the interactions). Root at
// the bottom, callers below callees, box width proportional to samples; boxes narrower than
// `min_frame_width_px` are left out (their samples still count in their parent's width), which
// keeps 100k-frame profiles small enough for a browser.
#pragma once

#include <cstdint>
#include <string>

#include "userspace/profile/profile.h"

namespace agentprof::flame {

struct SvgOptions {
  std::string title = "CPU flame graph";
  uint32_t width_px = 1200;
  uint32_t frame_height_px = 16;
  double min_frame_width_px = 1.0;
};

// False (with `error`) when counts overflow or the options are unusable; `out` is then empty.
bool render_svg(const Profile& profile, const SvgOptions& options, std::string& out,
                std::string& error);

}  // namespace agentprof::flame
