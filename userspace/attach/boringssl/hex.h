// "0x..." formatting for addresses in messages and cache files.
#pragma once

#include <cstdint>
#include <string>

namespace agentprof::boringssl {

inline std::string hex(uint64_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  do {
    s.insert(s.begin(), digits[v & 15]);
    v >>= 4;
  } while (v);
  return "0x" + s;
}

}  // namespace agentprof::boringssl
