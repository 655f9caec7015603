#include "attach/boringssl/text_scan.h"

#include <algorithm>
#include <cstring>

namespace agentprof::boringssl {

namespace {

constexpr size_t kChunk = 8u << 20;
constexpr size_t kOverlap = 8;  // longest pattern (REX c7 modrm imm32 = 7 bytes) minus one, rounded

}  // namespace

TextScan scan_text(const ElfFile& elf, const ElfSection& text, const std::vector<uint32_t>& wanted_imms) {
  TextScan out;
  std::vector<uint8_t> buf;
  const uint64_t text_end = text.vaddr + text.size;
  uint64_t pos = 0;
  while (pos < text.size) {
    uint64_t begin = pos >= kOverlap ? pos - kOverlap : 0;
    uint64_t end = std::min<uint64_t>(text.size, pos + kChunk);
    if (!elf.read(text.offset + begin, end - begin, buf)) {
      out.error = "cannot read .text (file truncated?)";
      return out;
    }
    const uint8_t* data = buf.data();
    const size_t len = buf.size();
    const size_t fresh = static_cast<size_t>(pos - begin);
    const uint64_t base = text.vaddr + begin;

    for (uint32_t imm : wanted_imms) {
      uint8_t pat[4];
      std::memcpy(pat, &imm, 4);
      size_t at = 0;
      while (at + 4 <= len) {
        const void* m = memmem(data + at, len - at, pat, 4);
        if (!m) break;
        size_t i = static_cast<size_t>(static_cast<const uint8_t*>(m) - data);
        at = i + 1;
        if (i + 3 < fresh) continue;  // seen in the previous chunk
        // b8+r imm32, optionally behind a REX.B prefix (41).
        if (i >= 1 && data[i - 1] >= 0xb8 && data[i - 1] <= 0xbf) {
          out.sites.push_back({base + i - 1, imm});
          if (i >= 2 && data[i - 2] == 0x41) out.sites.push_back({base + i - 2, imm});
        }
        // REX.W c7 /0 imm32 (sign-extended): 48|49 c7 c0+r.
        if (i >= 3 && (data[i - 3] == 0x48 || data[i - 3] == 0x49) && data[i - 2] == 0xc7 &&
            data[i - 1] >= 0xc0 && data[i - 1] <= 0xc7 && imm < 0x80000000u)
          out.sites.push_back({base + i - 3, imm});
      }
    }

    for (size_t i = fresh >= 4 ? fresh - 4 : 0; i + 5 <= len;) {
      const void* m = std::memchr(data + i, 0xe8, len - 4 - i);
      if (!m) break;
      i = static_cast<size_t>(static_cast<const uint8_t*>(m) - data);
      if (i + 4 >= fresh) {  // the rel32 ends in new bytes: not counted in the previous chunk
        int32_t rel;
        std::memcpy(&rel, data + i + 1, 4);
        uint64_t target = base + i + 5 + static_cast<int64_t>(rel);
        if ((target & 15) == 0 && target >= text.vaddr && target < text_end) out.call_targets.push_back(target);
      }
      ++i;
    }
    pos = end;
  }
  std::sort(out.sites.begin(), out.sites.end(),
            [](const ImmediateSite& a, const ImmediateSite& b) { return a.vaddr < b.vaddr; });
  std::sort(out.call_targets.begin(), out.call_targets.end());
  out.call_targets.erase(std::unique(out.call_targets.begin(), out.call_targets.end()), out.call_targets.end());
  out.ok = true;
  return out;
}

}  // namespace agentprof::boringssl
