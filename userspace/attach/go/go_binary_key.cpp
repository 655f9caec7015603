#include "attach/go/go_binary_key.h"

#include <elf.h>

#include <cstring>
#include <vector>

namespace agentprof::gotls {

namespace {

constexpr uint32_t kGoBuildIdNoteType = 4;
// Real Go build ids are 2-4 base64 hashes joined by '/' (about 83 bytes); longer means not one.
constexpr size_t kMaxGoBuildIdBytes = 98;  // hex-encoded it still fits a cache key

}  // namespace

std::string read_go_build_id(const boringssl::ElfFile& elf) {
  const boringssl::ElfSection* s = elf.section(".note.go.buildid");
  if (!s || s->size < sizeof(Elf64_Nhdr) + 4 || s->size > 4096) return {};
  std::vector<uint8_t> note;
  if (!elf.read(s->offset, s->size, note)) return {};
  Elf64_Nhdr nh;
  std::memcpy(&nh, note.data(), sizeof nh);
  const size_t desc_at = sizeof nh + ((uint64_t{nh.n_namesz} + 3) & ~uint64_t{3});
  if (nh.n_type != kGoBuildIdNoteType || nh.n_namesz != 4 || std::memcmp(note.data() + sizeof nh, "Go\0\0", 4) != 0 ||
      nh.n_descsz == 0 || nh.n_descsz > kMaxGoBuildIdBytes || desc_at + nh.n_descsz > note.size())
    return {};
  std::string id(reinterpret_cast<const char*>(note.data() + desc_at), nh.n_descsz);
  for (char c : id)
    if (c < 0x21 || c > 0x7e) return {};  // printable, no spaces
  return id;
}

std::string go_binary_key(const boringssl::ElfFile& elf) {
  if (std::string gnu = elf.gnu_build_id(); !gnu.empty()) return gnu;
  if (std::string go = read_go_build_id(elf); !go.empty()) {
    static const char* digits = "0123456789abcdef";
    std::string key = "go-";
    for (unsigned char c : go) {
      key += digits[c >> 4];
      key += digits[c & 15];
    }
    return key;
  }
  return boringssl::identity_key(elf.identity());
}

}  // namespace agentprof::gotls
