// Box colors of the SVG flame graph: one hue family per frame kind so native, kernel, Python and
// JIT code are told apart at a glance; within a family the shade is a hash of the name, so the
// same function has the same color everywhere and neighbours differ.
#pragma once

#include <string>
#include <string_view>

#include "userspace/profile/profile.h"

namespace agentprof::flame {

// Color families (also drawn in the legend).
enum class ColorFamily { kNative, kKernel, kPython, kJit, kUnknown, kProcess, kRoot };

ColorFamily color_family(FrameKind kind);
// "rgb(r,g,b)" for a box of `family` named `name`.
std::string box_color(ColorFamily family, std::string_view name);

}  // namespace agentprof::flame
