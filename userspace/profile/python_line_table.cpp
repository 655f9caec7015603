#include "profile/python_line_table.h"

#include <cstdint>

namespace agentprof::profile {

namespace {

// Varints of the table: 6 bits per byte, least significant first, 0x40 = more bytes follow.
bool read_varint(std::span<const uint8_t> t, size_t& pos, uint64_t& out) {
  out = 0;
  for (int shift = 0; shift < 63; shift += 6) {
    if (pos >= t.size()) return false;
    uint8_t b = t[pos++];
    out |= uint64_t(b & 0x3F) << shift;
    if (!(b & 0x40)) return true;
  }
  return false;
}

bool read_svarint(std::span<const uint8_t> t, size_t& pos, int64_t& out) {
  uint64_t v = 0;
  if (!read_varint(t, pos, v)) return false;
  out = (v & 1) ? -int64_t(v >> 1) : int64_t(v >> 1);
  return true;
}

}  // namespace

std::optional<uint32_t> python_line_for(std::span<const uint8_t> t, int32_t first_line, int64_t index) {
  if (index < 0) return std::nullopt;
  int64_t line = first_line;
  int64_t unit = 0;  // first code unit of the current entry
  size_t pos = 0;
  while (pos < t.size()) {
    uint8_t head = t[pos++];
    if (!(head & 0x80)) return std::nullopt;  // not at an entry start: malformed
    int code = (head >> 3) & 0x0F;
    int64_t length = (head & 7) + 1;
    bool has_line = true;
    if (code == 15) {
      has_line = false;  // no location
    } else if (code == 14) {  // long form: line delta, end line delta, column, end column
      int64_t delta = 0;
      uint64_t skip = 0;
      if (!read_svarint(t, pos, delta) || !read_varint(t, pos, skip) || !read_varint(t, pos, skip) ||
          !read_varint(t, pos, skip))
        return std::nullopt;
      line += delta;
    } else if (code == 13) {  // no column: line delta
      int64_t delta = 0;
      if (!read_svarint(t, pos, delta)) return std::nullopt;
      line += delta;
    } else if (code >= 10) {  // one-line form: delta in the code, two column bytes
      line += code - 10;
      pos += 2;
    } else {  // short form: same line, one column byte
      pos += 1;
    }
    if (pos > t.size()) return std::nullopt;
    if (index < unit + length) {
      if (!has_line || line <= 0 || line > INT32_MAX) return std::nullopt;
      return uint32_t(line);
    }
    unit += length;
  }
  return std::nullopt;
}

}  // namespace agentprof::profile
