#include "attach/go/go_build_info.h"

#include <cstring>
#include <optional>
#include <vector>

namespace agentprof::gotls {

namespace {
constexpr char kBuildInfoMagic[] = "\xff Go buildinf:";
constexpr size_t kMagicLen = 14;
constexpr uint8_t kFlagInlineStrings = 0x2;  // Go 1.18+: strings follow the header, varint-prefixed
constexpr size_t kInlineStringsAt = 32;
constexpr size_t kMaxVersionLen = 64;
bool printable(const std::string& s) {
  for (char c : s)
    if (c < 0x21 || c > 0x7e) return false;
  return !s.empty();
}

// Go <= 1.17: at offset 16, a pointer to the version's string header {data pointer, length}.
std::string pointer_layout_version(const boringssl::ElfFile& elf, const std::vector<uint8_t>& head) {
  if (head[14] != 8 || head[15] != 0) return {};  // 8-byte pointers, little-endian only
  uint64_t header_vaddr = 0;
  std::memcpy(&header_vaddr, head.data() + 16, 8);
  std::optional<uint64_t> header_off = elf.vaddr_to_offset(header_vaddr);
  uint64_t str[2] = {0, 0};
  if (!header_off || !elf.read(*header_off, str, sizeof(str))) return {};
  if (str[1] == 0 || str[1] > kMaxVersionLen) return {};
  std::optional<uint64_t> data_off = elf.vaddr_to_offset(str[0]);
  std::string version(str[1], '\0');
  if (!data_off || !elf.read(*data_off, version.data(), version.size())) return {};
  return printable(version) ? version : std::string();
}

}  // namespace

std::string read_go_version(const boringssl::ElfFile& elf) {
  const boringssl::ElfSection* s = elf.section(".go.buildinfo");
  if (!s || s->size < kInlineStringsAt + 1) return {};
  std::vector<uint8_t> head;
  size_t want = kInlineStringsAt + 1 + kMaxVersionLen;
  if (want > s->size) want = s->size;
  if (!elf.read(s->offset, want, head) || head.size() < kInlineStringsAt + 1) return {};
  if (std::memcmp(head.data(), kBuildInfoMagic, kMagicLen) != 0) return {};
  if (!(head[15] & kFlagInlineStrings)) return pointer_layout_version(elf, head);
  // Length as an unsigned varint; versions are short, so one byte is the only sane form.
  size_t len = head[kInlineStringsAt];
  if (len & 0x80 || len == 0 || len > kMaxVersionLen || kInlineStringsAt + 1 + len > head.size())
    return {};
  std::string version(reinterpret_cast<const char*>(head.data()) + kInlineStringsAt + 1, len);
  return printable(version) ? version : std::string();
}

}  // namespace agentprof::gotls
