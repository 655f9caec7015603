// Function boundaries recovered from the code itself (no symbols, no .eh_frame): a function starts at a
// 16-byte-aligned instruction boundary that follows int3 padding, or follows ret/jmp/call/nop and is
// either the target of a direct call or begins with `push rbp; mov rbp, rsp`. Decoding starts at an int3-padded boundary and
// is confirmed instruction by instruction, so every address handed out is a decoded instruction start.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "attach/boringssl/x86_decoder.h"

namespace agentprof::boringssl {

// Bytes of one contiguous slice of .text.
struct CodeWindow {
  uint64_t vaddr = 0;
  std::vector<uint8_t> bytes;
  bool contains(uint64_t a) const { return a >= vaddr && a - vaddr < bytes.size(); }
  const uint8_t* at(uint64_t a) const { return bytes.data() + (a - vaddr); }
  size_t available(uint64_t a) const { return bytes.size() - (a - vaddr); }
};

struct DecodedFunction {
  uint64_t start = 0;
  uint64_t end = 0;                    // first address after the last decoded instruction
  bool frame_prologue = false;         // begins with 55 48 89 e5
  bool call_target = false;            // some e8 in .text points here
  std::vector<Insn> insns;
  std::vector<uint64_t> branch_targets;  // sorted direct jmp/jcc targets inside the function

  // Index of the instruction starting at `a`, or -1 when `a` is not an instruction boundary.
  long index_of(uint64_t a) const;
  bool is_branch_target(uint64_t a) const;
};

bool has_frame_prologue(const CodeWindow& w, uint64_t a);

class FunctionMap {
 public:
  FunctionMap(const CodeWindow& window, const std::vector<uint64_t>& call_targets, X86Decoder& decoder)
      : window_(window), call_targets_(call_targets), decoder_(decoder) {}

  // The function whose decoded instructions include one starting exactly at `addr`;
  // nullptr (and `why`) when no confirmed boundary can be established.
  const DecodedFunction* containing(uint64_t addr, std::string* why);

 private:
  bool is_call_target(uint64_t a) const;
  bool plausible_start(uint64_t a) const;
  bool decode_from(uint64_t region_start, uint64_t must_reach, std::string* why);

  const CodeWindow& window_;
  const std::vector<uint64_t>& call_targets_;
  X86Decoder& decoder_;
  std::map<uint64_t, DecodedFunction> functions_;  // by start
};

}  // namespace agentprof::boringssl
