// How frames and processes are named in every output format, so the SVG, folded, pprof and
// speedscope files of one profile agree with each other.
#pragma once

#include <string>
#include <string_view>

#include "userspace/profile/profile.h"

namespace agentprof::flame {

inline constexpr std::string_view kUnknownFunction = "[unknown]";

// The function name, or "[unknown]" when the symbolizer left it empty.
std::string_view display_name(const Frame& frame);

// The process a sample belongs to: its comm, or "[pid N]" when the comm is empty.
std::string process_name(const StackSample& sample);

// "comm (pid N)" / "[pid N]": a process in formats that keep processes apart.
std::string process_title(const StackSample& sample);

// Short human name of a frame kind ("native", "kernel", "python", "jit", "unknown").
std::string_view kind_name(FrameKind kind);

// A name safe inside a folded-stack line: ';' (the frame separator) becomes ':', line breaks and
// other control characters become spaces. Kernel frames get flamegraph.pl's "_[k]" suffix, JIT
// frames "_[j]"; Python frames read "function (file)" (no line, so one function merges).
std::string folded_frame_name(const Frame& frame);
std::string folded_process_name(const StackSample& sample);

}  // namespace agentprof::flame
