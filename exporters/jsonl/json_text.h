// Writing JSON values as text: strings (escaped; invalid UTF-8 replaced by U+FFFD so the output
// is always valid JSON) and numbers (doubles in shortest round-trip form).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace agentprof {

// Appends `text` as a quoted JSON string. Escapes '"', '\\' and all control characters (< 0x20
// and 0x7F); each maximal invalid UTF-8 subsequence (overlong, surrogate, > U+10FFFF, truncated)
// becomes one U+FFFD.
void append_json_string(std::string& out, std::string_view text);

// Appends a double that parses back to the same value and always reads as a floating-point
// number ("3.0", not "3"). NaN and infinities, which JSON cannot hold, are written as null.
void append_json_double(std::string& out, double v);

void append_json_int(std::string& out, int64_t v);
void append_json_uint(std::string& out, uint64_t v);

}  // namespace agentprof
