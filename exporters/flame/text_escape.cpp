#include "exporters/flame/text_escape.h"

#include <cstdint>

namespace agentprof::flame {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is invalid.
size_t valid_sequence_length(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t b0 = byte(i);
  if (b0 < 0x80) return 1;
  size_t len;
  uint32_t cp;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const uint8_t b = byte(i + k);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return 0;
  if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return 0;
  return len;
}

// Calls on_valid(sequence) for each valid sequence and on_invalid() once per invalid run.
template <typename OnValid, typename OnInvalid>
void for_each_sequence(std::string_view text, OnValid on_valid, OnInvalid on_invalid) {
  size_t i = 0;
  bool in_invalid_run = false;
  while (i < text.size()) {
    const size_t len = valid_sequence_length(text, i);
    if (len == 0) {
      if (!in_invalid_run) on_invalid();
      in_invalid_run = true;
      ++i;
      continue;
    }
    in_invalid_run = false;
    on_valid(text.substr(i, len));
    i += len;
  }
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t len = valid_sequence_length(text, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string to_valid_utf8(std::string_view text) {
  if (is_valid_utf8(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 8);
  for_each_sequence(
      text, [&](std::string_view seq) { out += seq; }, [&] { out += kReplacement; });
  return out;
}

void append_xml_escaped(std::string& out, std::string_view text) {
  for_each_sequence(
      text,
      [&](std::string_view seq) {
        if (seq.size() > 1) {
          out += seq;
          return;
        }
        const char c = seq[0];
        switch (c) {
          case '&': out += "&amp;"; break;
          case '<': out += "&lt;"; break;
          case '>': out += "&gt;"; break;
          case '"': out += "&quot;"; break;
          case '\'': out += "&apos;"; break;
          default:
            if ((static_cast<uint8_t>(c) < 0x20 && c != '\t' && c != '\n') || c == 0x7F) {
              out += kReplacement;
            } else {
              out += c;
            }
        }
      },
      [&] { out += kReplacement; });
}

void append_json_quoted(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for_each_sequence(
      text,
      [&](std::string_view seq) {
        if (seq.size() > 1) {
          out += seq;
          return;
        }
        const char c = seq[0];
        if (c == '"' || c == '\\') {
          out += '\\';
          out += c;
        } else if (static_cast<uint8_t>(c) < 0x20 || c == 0x7F) {
          out += "\\u00";
          out += kHex[(static_cast<uint8_t>(c) >> 4) & 0xF];
          out += kHex[static_cast<uint8_t>(c) & 0xF];
        } else {
          out += c;
        }
      },
      [&] { out += kReplacement; });
  out += '"';
}

}  // namespace agentprof::flame
