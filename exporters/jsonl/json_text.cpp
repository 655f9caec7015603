#include "exporters/jsonl/json_text.h"

#include <charconv>
#include <cmath>

namespace agentprof {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is invalid. On invalid input,
// *consumed is the length of the maximal subpart to replace (at least 1). Ranges per Unicode
// Table 3-7 (well-formed UTF-8 byte sequences).
size_t utf8_sequence(std::string_view s, size_t i, size_t* consumed) {
  auto b = [&](size_t k) { return uint8_t(s[i + k]); };
  uint8_t lead = b(0);
  size_t len;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3;
    if (lead == 0xE0) lo = 0xA0;  // no overlongs
    if (lead == 0xED) hi = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4;
    if (lead == 0xF0) lo = 0x90;  // no overlongs
    if (lead == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    *consumed = 1;
    return 0;
  }
  size_t k = 1;
  for (; k < len && i + k < s.size(); ++k) {
    uint8_t c = b(k);
    bool ok = k == 1 ? (c >= lo && c <= hi) : (c >= 0x80 && c <= 0xBF);
    if (!ok) break;
  }
  if (k == len) return len;
  *consumed = k;
  return 0;
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t i = 0;
  while (i < text.size()) {
    uint8_t c = uint8_t(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          if (c < 0x20 || c == 0x7F) {
            out += "\\u00";
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xF]);
          } else {
            out.push_back(char(c));
          }
      }
      ++i;
      continue;
    }
    size_t consumed = 0;
    size_t len = utf8_sequence(text, i, &consumed);
    if (len > 0) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD
      i += consumed;
    }
  }
  out.push_back('"');
}

void append_json_double(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  std::string_view text(buf, size_t(res.ptr - buf));
  out.append(text);
  if (text.find_first_of(".eE") == std::string_view::npos) out += ".0";
}

void append_json_int(std::string& out, int64_t v) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

void append_json_uint(std::string& out, uint64_t v) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

}  // namespace agentprof
