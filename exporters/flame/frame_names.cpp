#include "exporters/flame/frame_names.h"

#include <cstdint>

namespace agentprof::flame {
namespace {

void append_folded_safe(std::string& out, std::string_view text) {
  for (const char c : text) {
    if (c == ';') {
      out += ':';
    } else if (static_cast<uint8_t>(c) < 0x20 || c == 0x7F) {
      out += ' ';
    } else {
      out += c;
    }
  }
}

}  // namespace

std::string_view display_name(const Frame& frame) {
  return frame.function.empty() ? kUnknownFunction : std::string_view(frame.function);
}

std::string process_name(const StackSample& sample) {
  if (!sample.comm.empty()) return sample.comm;
  return "[pid " + std::to_string(sample.pid) + "]";
}

std::string process_title(const StackSample& sample) {
  if (sample.comm.empty()) return process_name(sample);
  return sample.comm + " (pid " + std::to_string(sample.pid) + ")";
}

std::string_view kind_name(FrameKind kind) {
  switch (kind) {
    case FrameKind::kNative: return "native";
    case FrameKind::kKernel: return "kernel";
    case FrameKind::kPython: return "python";
    case FrameKind::kJit: return "jit";
    case FrameKind::kUnknown: break;
  }
  return "unknown";
}

std::string folded_frame_name(const Frame& frame) {
  std::string out;
  append_folded_safe(out, display_name(frame));
  switch (frame.kind) {
    case FrameKind::kKernel: out += "_[k]"; break;
    case FrameKind::kJit: out += "_[j]"; break;
    case FrameKind::kPython:
      if (!frame.file.empty()) {
        out += " (";
        append_folded_safe(out, frame.file);
        out += ')';
      }
      break;
    default: break;
  }
  return out;
}

std::string folded_process_name(const StackSample& sample) {
  std::string out;
  append_folded_safe(out, process_name(sample));
  return out;
}

}  // namespace agentprof::flame
