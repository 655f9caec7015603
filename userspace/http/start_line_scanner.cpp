#include "http/start_line_scanner.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace agentprof {
namespace {

struct Pattern {
  std::string_view text;
  StartLine kind;
};

constexpr std::array<Pattern, 12> kPatterns = {{
    {"GET ", StartLine::kRequest},
    {"POST ", StartLine::kRequest},
    {"PUT ", StartLine::kRequest},
    {"DELETE ", StartLine::kRequest},
    {"PATCH ", StartLine::kRequest},
    {"HEAD ", StartLine::kRequest},
    {"OPTIONS ", StartLine::kRequest},
    {"CONNECT ", StartLine::kRequest},
    {"TRACE ", StartLine::kRequest},
    {"HTTP/1.1 ", StartLine::kResponse},
    {"HTTP/1.0 ", StartLine::kResponse},
    {"PRI * HTTP/2.0", StartLine::kHttp2Preface},
}};

constexpr size_t kLongestPattern = 14;

uint8_t want_bit(StartLine kind) {
  switch (kind) {
    case StartLine::kRequest: return kWantRequest;
    case StartLine::kResponse: return kWantResponse;
    case StartLine::kHttp2Preface: return kWantHttp2;
    default: return 0;
  }
}

}  // namespace

StartLine classify_line_start(std::string_view bytes, uint8_t want, bool& partial) {
  partial = false;
  for (const auto& p : kPatterns) {
    if (!(want & want_bit(p.kind))) continue;
    size_t n = std::min(bytes.size(), p.text.size());
    if (bytes.compare(0, n, p.text, 0, n) != 0) continue;
    if (bytes.size() >= p.text.size()) return p.kind;
    partial = true;
  }
  return StartLine::kNone;
}

StartLineScanner::Result StartLineScanner::scan(std::span<const uint8_t> bytes, uint8_t want) {
  const char* data = reinterpret_cast<const char*>(bytes.data());
  const size_t n = bytes.size();
  size_t i = 0;
  while (i <= n) {
    if (at_line_start_) {
      bool partial = false;
      if (!held_.empty()) {
        // The candidate began in an earlier call: classify held bytes plus the new ones.
        char buf[kLongestPattern];
        size_t h = std::min(held_.size(), kLongestPattern);
        std::memcpy(buf, held_.data(), h);
        size_t extra = std::min(n, kLongestPattern - h);
        std::memcpy(buf + h, data, extra);
        StartLine kind = classify_line_start(std::string_view(buf, h + extra), want, partial);
        if (kind != StartLine::kNone) return {kind, 0};
        if (partial) {  // still undecided: everything given is part of the candidate
          held_.append(data, n);
          return {};
        }
        held_.clear();
      } else {
        if (i == n) return {};
        StartLine kind = classify_line_start(
            std::string_view(data + i, std::min(n - i, kLongestPattern)), want, partial);
        if (kind != StartLine::kNone) return {kind, i};
        if (partial) {
          held_.assign(data + i, n - i);
          return {};
        }
      }
      at_line_start_ = false;
    }
    if (i == n) return {};
    const void* nl = std::memchr(data + i, '\n', n - i);
    if (!nl) return {};
    i = size_t(static_cast<const char*>(nl) - data) + 1;
    at_line_start_ = true;
  }
  return {};
}

}  // namespace agentprof
