#include "attach/boringssl/readonly_strings.h"

#include <elf.h>

#include <cstring>
#include <string>

namespace agentprof::boringssl {

namespace {

constexpr size_t kChunk = 8u << 20;
constexpr size_t kMaxStringLen = 1024;

// Calls visit(chunk_vaddr, data, len, fresh_from) for each chunk of a section; consecutive
// chunks overlap by `overlap` bytes so matches spanning a boundary are seen (fresh_from marks
// where the new bytes begin). Returns false on a read failure; stops early when visit returns false.
template <typename Visit>
bool for_each_chunk(const ElfFile& elf, const ElfSection& s, size_t overlap, Visit visit, bool* stopped) {
  std::vector<uint8_t> buf;
  uint64_t pos = 0;
  while (pos < s.size) {
    uint64_t begin = pos >= overlap ? pos - overlap : 0;
    uint64_t end = std::min<uint64_t>(s.size, pos + kChunk);
    if (!elf.read(s.offset + begin, end - begin, buf)) return false;
    if (!visit(s.vaddr + begin, buf.data(), buf.size(), static_cast<size_t>(pos - begin))) {
      *stopped = true;
      return true;
    }
    pos = end;
  }
  return true;
}

}  // namespace

std::vector<const ElfSection*> readonly_data_sections(const ElfFile& elf) {
  std::vector<const ElfSection*> out;
  for (const auto& s : elf.sections())
    if (s.type == SHT_PROGBITS && (s.flags & SHF_ALLOC) && !(s.flags & SHF_WRITE) &&
        !(s.flags & SHF_EXECINSTR) && s.size > 0)
      out.push_back(&s);
  return out;
}

StringHits find_strings_ending_with(const ElfFile& elf, std::string_view suffix) {
  StringHits hits;
  if (suffix.empty()) return hits;
  std::string pattern(suffix);
  pattern.push_back('\0');
  for (const ElfSection* s : readonly_data_sections(elf)) {
    bool stopped = false;
    bool ok = for_each_chunk(
        elf, *s, kMaxStringLen + pattern.size(),
        [&](uint64_t vaddr, const uint8_t* data, size_t len, size_t fresh_from) {
          size_t at = 0;
          while (at + pattern.size() <= len) {
            const void* m = memmem(data + at, len - at, pattern.data(), pattern.size());
            if (!m) break;
            size_t hit = static_cast<size_t>(static_cast<const uint8_t*>(m) - data);
            at = hit + 1;
            // Only count a match once: its terminating NUL must lie in the new bytes.
            if (hit + pattern.size() - 1 < fresh_from) continue;
            size_t start = hit;
            while (start > 0 && data[start - 1] != 0 && hit - start < kMaxStringLen) --start;
            if (start == 0 && vaddr != s->vaddr) continue;  // overlong or cut: not a file name
            if (start > 0 && data[start - 1] != 0) continue;
            hits.vaddrs.push_back(vaddr + start);
          }
          return true;
        },
        &stopped);
    if (!ok) hits.read_ok = false;
  }
  return hits;
}

bool readonly_data_contains(const ElfFile& elf, std::string_view needle) {
  if (needle.empty()) return true;
  for (const ElfSection* s : readonly_data_sections(elf)) {
    bool found = false;
    bool stopped = false;
    for_each_chunk(
        elf, *s, needle.size(),
        [&](uint64_t, const uint8_t* data, size_t len, size_t) {
          found = memmem(data, len, needle.data(), needle.size()) != nullptr;
          return !found;
        },
        &stopped);
    if (found) return true;
  }
  return false;
}

}  // namespace agentprof::boringssl
