#include "profile/python_code_resolver.h"

#include <sys/uio.h>

#include <vector>

#include "profile/python_line_table.h"

namespace agentprof::profile {

bool ProcessMemoryReader::read(pid_t pid, uint64_t address, void* out, size_t size) {
  iovec local{out, size};
  iovec remote{reinterpret_cast<void*>(address), size};
  return process_vm_readv(pid, &local, 1, &remote, 1, 0) == ssize_t(size);
}

namespace {
constexpr size_t kMaxNameBytes = 4096;        // longer names or paths are treated as corrupt
constexpr int64_t kMaxLineTableBytes = 1 << 16;  // larger tables are not read (lines fall back)
}  // namespace

uint32_t PythonCode::line_at(uint64_t instr) const {
  if (!instr || !first_instr || line_table.empty()) return first_line;
  // One instruction is one 2-byte code unit; before the first one (frame not started) is -1.
  int64_t index = (int64_t(instr) - int64_t(first_instr)) / 2;
  auto line = python_line_for(line_table, int32_t(first_line), index);
  return line ? *line : first_line;
}

std::optional<std::string> PythonCodeResolver::read_str(pid_t pid, const PythonOffsets& o,
                                                        uint64_t str_addr) {
  if (!str_addr) return std::nullopt;
  int64_t length = 0;
  uint32_t state = 0;
  if (!memory_.read(pid, str_addr + uint64_t(o.unicode_length), &length, sizeof(length)) ||
      !memory_.read(pid, str_addr + uint64_t(o.unicode_state), &state, sizeof(state)))
    return std::nullopt;
  // state bits (3.11): interned:2, kind:3, compact:1, ascii:1.
  uint32_t kind = (state >> 2) & 7;
  bool compact = (state >> 5) & 1;
  bool ascii = (state >> 6) & 1;
  if (!compact || length < 0 || size_t(length) > kMaxNameBytes || kind == 0 || kind == 3 || kind > 4)
    return std::nullopt;
  size_t bytes = size_t(length) * kind;
  uint64_t data = str_addr + uint64_t(ascii ? o.unicode_ascii_data : o.unicode_compact_data);
  std::vector<uint8_t> raw(bytes);
  if (bytes && !memory_.read(pid, data, raw.data(), bytes)) return std::nullopt;
  std::string out;
  out.reserve(size_t(length));
  for (size_t i = 0; i < size_t(length); i++) {
    uint32_t cp = 0;
    for (uint32_t b = 0; b < kind; b++) cp |= uint32_t(raw[i * kind + b]) << (8 * b);
    // UTF-8 encode.
    if (cp < 0x80) {
      out += char(cp);
    } else if (cp < 0x800) {
      out += char(0xC0 | (cp >> 6));
      out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += char(0xE0 | (cp >> 12));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x110000) {
      out += char(0xF0 | (cp >> 18));
      out += char(0x80 | ((cp >> 12) & 0x3F));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    } else {
      return std::nullopt;
    }
  }
  return out;
}

std::optional<PythonCode> PythonCodeResolver::resolve(pid_t pid, const PythonOffsets& o,
                                                      uint64_t code_type_addr, uint64_t code_addr) {
  auto& per_pid = cache_[pid];
  if (auto it = per_pid.find(code_addr); it != per_pid.end()) {
    stats_.cache_hits++;
    return it->second;
  }
  uint64_t type = 0;
  if (!memory_.read(pid, code_addr + uint64_t(o.object_type), &type, sizeof(type)) ||
      type != code_type_addr) {
    stats_.failures++;
    return std::nullopt;
  }
  uint64_t name_ptr = 0, qualname_ptr = 0, file_ptr = 0;
  int32_t first_line = 0;
  if (!memory_.read(pid, code_addr + uint64_t(o.code_name), &name_ptr, 8) ||
      !memory_.read(pid, code_addr + uint64_t(o.code_filename), &file_ptr, 8) ||
      !memory_.read(pid, code_addr + uint64_t(o.code_firstlineno), &first_line, 4) ||
      (o.code_qualname >= 0 && !memory_.read(pid, code_addr + uint64_t(o.code_qualname), &qualname_ptr, 8))) {
    stats_.failures++;
    return std::nullopt;
  }
  auto name = read_str(pid, o, qualname_ptr ? qualname_ptr : name_ptr);
  if (!name && qualname_ptr) name = read_str(pid, o, name_ptr);
  auto file = read_str(pid, o, file_ptr);
  if (!name || !file) {
    stats_.failures++;
    return std::nullopt;
  }
  PythonCode code{std::move(*name), std::move(*file), first_line > 0 ? uint32_t(first_line) : 0, {}, 0};
  if (o.code_linetable >= 0 && o.code_code_adaptive >= 0) {
    uint64_t table = 0;
    int64_t size = 0;
    if (memory_.read(pid, code_addr + uint64_t(o.code_linetable), &table, 8) && table &&
        memory_.read(pid, table + uint64_t(o.bytes_size), &size, 8) && size > 0 && size <= kMaxLineTableBytes) {
      code.line_table.resize(size_t(size));
      if (memory_.read(pid, table + uint64_t(o.bytes_data), code.line_table.data(), size_t(size)))
        code.first_instr = code_addr + uint64_t(o.code_code_adaptive);
      else
        code.line_table.clear();
    }
  }
  stats_.resolved++;
  // Bounded: dropping everything is crude but keeps memory flat; entries are re-read on demand.
  constexpr size_t kMaxCachedBytes = 64u << 20;
  if (cached_ >= max_cached_ || cached_bytes_ + code.line_table.size() > kMaxCachedBytes) {
    cache_.clear();
    cached_ = 0;
    cached_bytes_ = 0;
  }
  cache_[pid].emplace(code_addr, code);
  cached_++;
  cached_bytes_ += code.line_table.size();
  return code;
}

void PythonCodeResolver::forget_process(pid_t pid) {
  auto it = cache_.find(pid);
  if (it == cache_.end()) return;
  cached_ -= it->second.size();
  for (const auto& [addr, code] : it->second) cached_bytes_ -= code.line_table.size();
  cache_.erase(it);
}

}  // namespace agentprof::profile
