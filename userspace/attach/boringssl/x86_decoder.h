// Thin capstone wrapper reducing an x86-64 instruction to the facts the locator reasons about:
// control flow, direct targets, immediate loads into general registers, and registers written.
#pragma once

#include <cstddef>
#include <cstdint>

namespace agentprof::boringssl {

// General registers in hardware order: 0 rax, 1 rcx, 2 rdx, 3 rbx, 4 rsp, 5 rbp, 6 rsi, 7 rdi, 8-15 r8-r15.
enum Gpr : int8_t {
  kRax = 0, kRcx = 1, kRdx = 2, kRbx = 3, kRsp = 4, kRbp = 5, kRsi = 6, kRdi = 7, kR8 = 8, kNoReg = -1
};

enum class InsnKind : uint8_t { kOther, kCall, kJmp, kCondJmp, kRet, kInt3, kNop };

struct Insn {
  uint64_t addr = 0;
  uint8_t size = 0;
  InsnKind kind = InsnKind::kOther;
  bool direct = false;        // call/jmp/jcc with an immediate target
  uint64_t target = 0;        // that target
  int8_t dst = kNoReg;        // register loaded by `mov reg, imm` / zeroed by `xor reg, reg` / copied to
  int8_t src = kNoReg;        // for `mov reg, reg` (64- or 32-bit) copies: the source register
  bool has_imm = false;       // dst receives the constant `imm`
  uint64_t imm = 0;
  uint16_t written = 0;       // bitmask of general registers this instruction writes
  bool push_reg = false;      // `push reg`
  bool stack_address = false; // dst receives an address in the stack: `lea dst, [rsp + disp]`
  bool sign_extend = false;   // `movsxd dst, src32` (dst/src set): dst keeps src's value when >= 0
};

// Registers a call may clobber (SysV caller-saved).
constexpr uint16_t kCallerSaved = (1u << kRax) | (1u << kRcx) | (1u << kRdx) | (1u << kRsi) |
                                  (1u << kRdi) | (1u << 8) | (1u << 9) | (1u << 10) | (1u << 11);

class X86Decoder {
 public:
  X86Decoder();
  ~X86Decoder();
  X86Decoder(const X86Decoder&) = delete;
  X86Decoder& operator=(const X86Decoder&) = delete;

  bool ok() const { return insn_ != nullptr; }
  // Decodes the instruction at `code` (which lives at `vaddr`); false when the bytes are invalid.
  bool decode(const uint8_t* code, size_t len, uint64_t vaddr, Insn& out);

 private:
  size_t handle_ = 0;
  void* insn_ = nullptr;  // cs_insn*
};

}  // namespace agentprof::boringssl
