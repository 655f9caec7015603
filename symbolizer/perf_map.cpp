#include "symbolizer/perf_map.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>

namespace agentprof::symbolizer {
namespace {

bool parse_hex_field(std::string_view& text, uint64_t& out) {
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) text.remove_prefix(2);
  auto result = std::from_chars(text.data(), text.data() + text.size(), out, 16);
  if (result.ec != std::errc() || result.ptr == text.data()) return false;
  text.remove_prefix(result.ptr - text.data());
  return true;
}

constexpr size_t kMaxLineBytes = 64 * 1024;  // a longer "line" is garbage, not a symbol

}  // namespace

std::optional<PerfMapEntry> parse_perf_map_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  PerfMapEntry entry;
  if (!parse_hex_field(line, entry.start) || line.empty() || line.front() != ' ') return std::nullopt;
  line.remove_prefix(1);
  if (!parse_hex_field(line, entry.size) || line.empty() || line.front() != ' ') return std::nullopt;
  line.remove_prefix(1);
  if (entry.size == 0 || line.empty() || entry.start + entry.size < entry.start) return std::nullopt;
  entry.name = std::string(line);  // names may contain spaces ("LazyCompile:*foo /app/x.js:1:2")
  return entry;
}

void PerfMap::insert(PerfMapEntry entry) {
  uint64_t end = entry.start + entry.size;
  // Remove older entries overlapping the new range: that code was replaced.
  auto it = by_start_.upper_bound(entry.start);
  if (it != by_start_.begin()) {
    auto prev = std::prev(it);
    if (prev->second.start + prev->second.size > entry.start) it = prev;
  }
  while (it != by_start_.end() && it->first < end) it = by_start_.erase(it);
  if (by_start_.size() >= limits_.max_entries) {
    ++dropped_;
    return;
  }
  by_start_.emplace(entry.start, std::move(entry));
}

void PerfMap::feed(std::string_view bytes) {
  consumed_ += bytes.size();
  while (!bytes.empty()) {
    size_t eol = bytes.find('\n');
    std::string_view piece = bytes.substr(0, eol);
    bytes.remove_prefix(eol == std::string_view::npos ? bytes.size() : eol + 1);
    if (!skipping_line_) {
      if (partial_line_.size() + piece.size() > kMaxLineBytes) {
        ++malformed_;
        partial_line_.clear();
        skipping_line_ = true;  // drop the rest of this over-long line
      } else {
        partial_line_.append(piece);
      }
    }
    if (eol == std::string_view::npos) return;  // line continues in the next chunk
    if (!skipping_line_ && !partial_line_.empty()) {
      if (auto entry = parse_perf_map_line(partial_line_)) {
        insert(std::move(*entry));
      } else {
        ++malformed_;
      }
    }
    partial_line_.clear();
    skipping_line_ = false;
  }
}

bool PerfMap::refresh() {
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st{};
  if (fstat(fd, &st) != 0) {
    ::close(fd);
    return false;
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < consumed_) {  // truncated or rewritten: start over
    by_start_.clear();
    partial_line_.clear();
    skipping_line_ = false;
    consumed_ = 0;
  }
  char buffer[64 * 1024];
  while (consumed_ < size && consumed_ < limits_.max_bytes) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(sizeof(buffer), limits_.max_bytes - consumed_));
    ssize_t n = ::pread(fd, buffer, want, static_cast<off_t>(consumed_));
    if (n <= 0) break;
    feed(std::string_view(buffer, static_cast<size_t>(n)));
  }
  ::close(fd);
  return true;
}

const PerfMapEntry* PerfMap::find(uint64_t address) const {
  auto it = by_start_.upper_bound(address);
  if (it == by_start_.begin()) return nullptr;
  --it;
  if (address - it->second.start >= it->second.size) return nullptr;
  return &it->second;
}

}  // namespace agentprof::symbolizer
