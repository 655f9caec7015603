// One bounded-memory pass over .text collecting (a) candidate sites of `mov r32, imm32` /
// `mov r64, simm32` instructions whose immediate is one of the wanted addresses and (b) the
// 16-byte-aligned targets of e8 rel32 bytes (a superset of direct call targets, used as a
// function-start signal). Candidates are byte patterns only: a decoder must confirm each one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "attach/boringssl/elf_file.h"

namespace agentprof::boringssl {

struct ImmediateSite {
  uint64_t vaddr = 0;  // where the candidate instruction would begin
  uint32_t imm = 0;
};

struct TextScan {
  bool ok = false;
  std::string error;
  std::vector<ImmediateSite> sites;     // sorted by vaddr
  std::vector<uint64_t> call_targets;   // sorted, unique
};

TextScan scan_text(const ElfFile& elf, const ElfSection& text, const std::vector<uint32_t>& wanted_imms);

}  // namespace agentprof::boringssl
