// A CPU profile as the flame exporters consume it: aggregated stacks with sample counts.
// Stacks are stored root first (outermost caller first, leaf last).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace agentprof {

enum class FrameKind : uint8_t { kNative = 0, kKernel = 1, kPython = 2, kJit = 3, kUnknown = 4 };

struct Frame {
  std::string function;  // demangled name; "[unknown]" when it could not be symbolized
  std::string module;    // binary or library path (or "[kernel]"), may be empty
  std::string file;      // source file when known (Python frames, DWARF)
  uint32_t line = 0;     // 0 when unknown
  FrameKind kind = FrameKind::kNative;
  bool operator==(const Frame&) const = default;
};

struct StackSample {
  uint32_t pid = 0;
  std::string comm;           // process name
  std::vector<Frame> frames;  // root first
  uint64_t count = 0;         // samples with exactly this stack
};

struct Profile {
  std::vector<StackSample> samples;
  uint64_t sample_period_ns = 0;  // 1e9 / frequency
  uint64_t start_unix_ns = 0;
  uint64_t duration_ns = 0;
  uint32_t frequency_hz = 0;
  uint64_t lost_samples = 0;      // samples the kernel could not record (stack map full, ...)
};

}  // namespace agentprof
