#include "exporters/flame/flame_colors.h"

#include <cstdint>

namespace agentprof::flame {
namespace {

// FNV-1a: stable across runs and platforms (std::hash is not guaranteed to be).
uint32_t stable_hash(std::string_view text) {
  uint32_t h = 2166136261u;
  for (const char c : text) {
    h ^= static_cast<uint8_t>(c);
    h *= 16777619u;
  }
  return h;
}

struct Range {
  int lo, hi;
};
struct Palette {
  Range r, g, b;
};

Palette palette(ColorFamily family) {
  switch (family) {
    case ColorFamily::kNative: return {{215, 255}, {70, 150}, {40, 80}};     // reds
    case ColorFamily::kKernel: return {{225, 255}, {165, 205}, {20, 60}};    // amber
    case ColorFamily::kPython: return {{70, 130}, {185, 225}, {70, 120}};    // greens
    case ColorFamily::kJit: return {{60, 110}, {180, 220}, {200, 240}};      // aqua
    case ColorFamily::kUnknown: return {{175, 200}, {175, 200}, {175, 200}}; // greys
    case ColorFamily::kProcess: return {{175, 200}, {160, 185}, {225, 250}}; // lavender
    case ColorFamily::kRoot: break;
  }
  return {{200, 200}, {200, 200}, {200, 200}};
}

int pick(Range range, uint32_t bits) {
  return range.lo + static_cast<int>(bits % static_cast<uint32_t>(range.hi - range.lo + 1));
}

}  // namespace

ColorFamily color_family(FrameKind kind) {
  switch (kind) {
    case FrameKind::kNative: return ColorFamily::kNative;
    case FrameKind::kKernel: return ColorFamily::kKernel;
    case FrameKind::kPython: return ColorFamily::kPython;
    case FrameKind::kJit: return ColorFamily::kJit;
    case FrameKind::kUnknown: break;
  }
  return ColorFamily::kUnknown;
}

std::string box_color(ColorFamily family, std::string_view name) {
  const Palette p = palette(family);
  const uint32_t h = stable_hash(name);
  // One shade value drives all three channels so a family stays recognisably one hue.
  const uint32_t shade = h % 1024;
  auto channel = [&](Range r) { return pick(r, shade * static_cast<uint32_t>(r.hi - r.lo + 1) / 1024); };
  return "rgb(" + std::to_string(channel(p.r)) + "," + std::to_string(channel(p.g)) + "," +
         std::to_string(channel(p.b)) + ")";
}

}  // namespace agentprof::flame
