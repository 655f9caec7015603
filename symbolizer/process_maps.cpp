#include "symbolizer/process_maps.h"

#include <algorithm>
#include <charconv>

namespace agentprof::symbolizer {
namespace {

constexpr std::string_view kDeletedSuffix = " (deleted)";

bool parse_hex(std::string_view& text, uint64_t& out) {
  auto result = std::from_chars(text.data(), text.data() + text.size(), out, 16);
  if (result.ec != std::errc() || result.ptr == text.data()) return false;
  text.remove_prefix(result.ptr - text.data());
  return true;
}

bool parse_dec(std::string_view& text, uint64_t& out) {
  auto result = std::from_chars(text.data(), text.data() + text.size(), out, 10);
  if (result.ec != std::errc() || result.ptr == text.data()) return false;
  text.remove_prefix(result.ptr - text.data());
  return true;
}

bool expect(std::string_view& text, char c) {
  if (text.empty() || text.front() != c) return false;
  text.remove_prefix(1);
  return true;
}

void skip_spaces(std::string_view& text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
}

// "start-end perms offset major:minor inode   path"
bool parse_line(std::string_view line, Mapping& m, bool& executable) {
  uint64_t major = 0, minor = 0;
  if (!parse_hex(line, m.start) || !expect(line, '-') || !parse_hex(line, m.end) || !expect(line, ' ')) return false;
  if (line.size() < 4) return false;
  executable = line[2] == 'x';
  line.remove_prefix(4);
  if (!expect(line, ' ') || !parse_hex(line, m.offset) || !expect(line, ' ')) return false;
  if (!parse_hex(line, major) || !expect(line, ':') || !parse_hex(line, minor) || !expect(line, ' ')) return false;
  if (!parse_dec(line, m.inode)) return false;
  if (m.end <= m.start || major > 0xffffffffu || minor > 0xffffffffu) return false;
  m.dev_major = static_cast<uint32_t>(major);
  m.dev_minor = static_cast<uint32_t>(minor);
  skip_spaces(line);
  if (line.size() >= kDeletedSuffix.size() && line.substr(line.size() - kDeletedSuffix.size()) == kDeletedSuffix) {
    m.deleted = true;
    line.remove_suffix(kDeletedSuffix.size());
  }
  m.path = std::string(line);
  return true;
}

}  // namespace

MapsParseResult parse_maps(std::string_view text) {
  MapsParseResult result;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (line.empty()) continue;
    Mapping m;
    bool executable = false;
    if (!parse_line(line, m, executable)) {
      ++result.malformed_lines;
      continue;
    }
    if (executable) result.mappings.push_back(std::move(m));
  }
  std::sort(result.mappings.begin(), result.mappings.end(),
            [](const Mapping& a, const Mapping& b) { return a.start < b.start; });
  // The kernel never reports overlapping ranges; drop any so lookups stay unambiguous.
  std::vector<Mapping> clean;
  clean.reserve(result.mappings.size());
  for (Mapping& m : result.mappings) {
    if (!clean.empty() && m.start < clean.back().end) {
      ++result.malformed_lines;
      continue;
    }
    clean.push_back(std::move(m));
  }
  result.mappings = std::move(clean);
  return result;
}

long find_mapping(const std::vector<Mapping>& mappings, uint64_t address) {
  auto it = std::upper_bound(mappings.begin(), mappings.end(), address,
                             [](uint64_t a, const Mapping& m) { return a < m.start; });
  if (it == mappings.begin()) return -1;
  --it;
  if (address >= it->end) return -1;
  return static_cast<long>(it - mappings.begin());
}

}  // namespace agentprof::symbolizer
