#include "attach/boringssl/x86_decoder.h"

#include <capstone/capstone.h>

namespace agentprof::boringssl {

namespace {

// Maps any width of a general register (rax/eax/ax/al/ah...) to its hardware number.
int8_t gpr_of(unsigned reg) {
  switch (reg) {
    case X86_REG_RAX: case X86_REG_EAX: case X86_REG_AX: case X86_REG_AL: case X86_REG_AH: return 0;
    case X86_REG_RCX: case X86_REG_ECX: case X86_REG_CX: case X86_REG_CL: case X86_REG_CH: return 1;
    case X86_REG_RDX: case X86_REG_EDX: case X86_REG_DX: case X86_REG_DL: case X86_REG_DH: return 2;
    case X86_REG_RBX: case X86_REG_EBX: case X86_REG_BX: case X86_REG_BL: case X86_REG_BH: return 3;
    case X86_REG_RSP: case X86_REG_ESP: case X86_REG_SP: case X86_REG_SPL: return 4;
    case X86_REG_RBP: case X86_REG_EBP: case X86_REG_BP: case X86_REG_BPL: return 5;
    case X86_REG_RSI: case X86_REG_ESI: case X86_REG_SI: case X86_REG_SIL: return 6;
    case X86_REG_RDI: case X86_REG_EDI: case X86_REG_DI: case X86_REG_DIL: return 7;
    case X86_REG_R8: case X86_REG_R8D: case X86_REG_R8W: case X86_REG_R8B: return 8;
    case X86_REG_R9: case X86_REG_R9D: case X86_REG_R9W: case X86_REG_R9B: return 9;
    case X86_REG_R10: case X86_REG_R10D: case X86_REG_R10W: case X86_REG_R10B: return 10;
    case X86_REG_R11: case X86_REG_R11D: case X86_REG_R11W: case X86_REG_R11B: return 11;
    case X86_REG_R12: case X86_REG_R12D: case X86_REG_R12W: case X86_REG_R12B: return 12;
    case X86_REG_R13: case X86_REG_R13D: case X86_REG_R13W: case X86_REG_R13B: return 13;
    case X86_REG_R14: case X86_REG_R14D: case X86_REG_R14W: case X86_REG_R14B: return 14;
    case X86_REG_R15: case X86_REG_R15D: case X86_REG_R15W: case X86_REG_R15B: return 15;
    default: return kNoReg;
  }
}

// Only full 32/64-bit writes define a whole register value (32-bit writes zero-extend).
bool full_width(unsigned reg) {
  switch (reg) {
    case X86_REG_RAX: case X86_REG_RCX: case X86_REG_RDX: case X86_REG_RBX: case X86_REG_RSP:
    case X86_REG_RBP: case X86_REG_RSI: case X86_REG_RDI: case X86_REG_R8: case X86_REG_R9:
    case X86_REG_R10: case X86_REG_R11: case X86_REG_R12: case X86_REG_R13: case X86_REG_R14:
    case X86_REG_R15: case X86_REG_EAX: case X86_REG_ECX: case X86_REG_EDX: case X86_REG_EBX:
    case X86_REG_ESP: case X86_REG_EBP: case X86_REG_ESI: case X86_REG_EDI: case X86_REG_R8D:
    case X86_REG_R9D: case X86_REG_R10D: case X86_REG_R11D: case X86_REG_R12D: case X86_REG_R13D:
    case X86_REG_R14D: case X86_REG_R15D: return true;
    default: return false;
  }
}

}  // namespace

X86Decoder::X86Decoder() {
  csh h = 0;
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK) return;
  cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
  handle_ = h;
  insn_ = cs_malloc(h);
}

X86Decoder::~X86Decoder() {
  if (insn_) cs_free(static_cast<cs_insn*>(insn_), 1);
  if (handle_) {
    csh h = handle_;
    cs_close(&h);
  }
}

bool X86Decoder::decode(const uint8_t* code, size_t len, uint64_t vaddr, Insn& out) {
  if (!insn_ || len == 0) return false;
  auto* in = static_cast<cs_insn*>(insn_);
  const uint8_t* p = code;
  size_t n = len;
  uint64_t a = vaddr;
  if (!cs_disasm_iter(handle_, &p, &n, &a, in)) return false;

  out = Insn{};
  out.addr = vaddr;
  out.size = static_cast<uint8_t>(in->size);
  const cs_x86& x = in->detail->x86;

  if (cs_insn_group(handle_, in, X86_GRP_CALL)) out.kind = InsnKind::kCall;
  else if (cs_insn_group(handle_, in, X86_GRP_RET)) out.kind = InsnKind::kRet;
  else if (in->id == X86_INS_JMP) out.kind = InsnKind::kJmp;
  else if (cs_insn_group(handle_, in, X86_GRP_JUMP)) out.kind = InsnKind::kCondJmp;
  else if (in->id == X86_INS_INT3) out.kind = InsnKind::kInt3;
  else if (in->id == X86_INS_NOP) out.kind = InsnKind::kNop;
  if ((out.kind == InsnKind::kCall || out.kind == InsnKind::kJmp || out.kind == InsnKind::kCondJmp) &&
      x.op_count == 1 && x.operands[0].type == X86_OP_IMM) {
    out.direct = true;
    out.target = static_cast<uint64_t>(x.operands[0].imm);
  }

  if (in->id == X86_INS_MOV && x.op_count == 2 && x.operands[0].type == X86_OP_REG &&
      full_width(x.operands[0].reg)) {
    int8_t d = gpr_of(x.operands[0].reg);
    if (x.operands[1].type == X86_OP_IMM) {
      out.dst = d;
      out.has_imm = true;
      // A 32-bit destination zero-extends; a 64-bit one holds the sign-extended immediate.
      out.imm = x.operands[0].size == 4 ? static_cast<uint32_t>(x.operands[1].imm)
                                         : static_cast<uint64_t>(x.operands[1].imm);
    } else if (x.operands[1].type == X86_OP_REG && full_width(x.operands[1].reg) &&
               x.operands[0].size == 8) {
      out.dst = d;
      out.src = gpr_of(x.operands[1].reg);
    }
  } else if (in->id == X86_INS_XOR && x.op_count == 2 && x.operands[0].type == X86_OP_REG &&
             x.operands[1].type == X86_OP_REG && x.operands[0].reg == x.operands[1].reg &&
             full_width(x.operands[0].reg)) {
    out.dst = gpr_of(x.operands[0].reg);
    out.has_imm = true;
    out.imm = 0;
  }

  if (in->id == X86_INS_PUSH && x.op_count == 1 && x.operands[0].type == X86_OP_REG) out.push_reg = true;
  if (in->id == X86_INS_LEA && x.op_count == 2 && x.operands[0].type == X86_OP_REG &&
      x.operands[0].size == 8 && x.operands[1].type == X86_OP_MEM && x.operands[1].mem.base == X86_REG_RSP &&
      x.operands[1].mem.index == X86_REG_INVALID && x.operands[1].mem.segment == X86_REG_INVALID) {
    out.dst = gpr_of(x.operands[0].reg);
    out.stack_address = true;
  }
  if (in->id == X86_INS_MOVSXD && x.op_count == 2 && x.operands[0].type == X86_OP_REG &&
      x.operands[1].type == X86_OP_REG && x.operands[0].size == 8 && x.operands[1].size == 4) {
    out.dst = gpr_of(x.operands[0].reg);
    out.src = gpr_of(x.operands[1].reg);
    out.sign_extend = true;
  }

  cs_regs read{}, write{};
  uint8_t nread = 0, nwrite = 0;
  if (cs_regs_access(handle_, in, read, &nread, write, &nwrite) == CS_ERR_OK) {
    for (uint8_t i = 0; i < nwrite; ++i) {
      int8_t g = gpr_of(write[i]);
      if (g != kNoReg) out.written |= static_cast<uint16_t>(1u << g);
    }
  } else {
    out.written = 0xffff;  // unknown effect: assume everything changes
  }
  if (out.kind == InsnKind::kCall) out.written |= kCallerSaved;
  return true;
}

}  // namespace agentprof::boringssl
