#include "attach/go/stack_check.h"

#include <capstone/capstone.h>

#include <memory>

namespace agentprof::gotls {

namespace {

// The morestack tail spills the argument registers, calls the runtime and jumps back: a few
// dozen instructions at most.
constexpr int kMaxTailInstructions = 64;
constexpr int64_t kStackGuardOffset = 16;  // g.stackguard0

struct Capstone {
  csh handle = 0;
  cs_insn* insn = nullptr;
  Capstone() {
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) return;
    cs_option(handle, CS_OPT_DETAIL, CS_OPT_ON);
    insn = cs_malloc(handle);
  }
  ~Capstone() {
    if (insn) cs_free(insn, 1);
    if (handle) cs_close(&handle);
  }
  // Decodes the instruction at `at` (an offset into code); false past the end or on invalid bytes.
  bool decode(const std::vector<uint8_t>& code, uint64_t vaddr, uint64_t at) {
    if (!insn || at >= code.size()) return false;
    const uint8_t* p = code.data() + at;
    size_t left = code.size() - at;
    uint64_t address = vaddr + at;
    return cs_disasm_iter(handle, &p, &left, &address, insn);
  }
  const cs_x86& x86() const { return insn->detail->x86; }
};

bool is_reg(const cs_x86_op& op, x86_reg reg) { return op.type == X86_OP_REG && op.reg == reg; }

// `cmp reg, qword ptr [r14 + 16]`
bool is_stack_guard_compare(const Capstone& cs, x86_reg reg) {
  const cs_x86& x = cs.x86();
  if (cs.insn->id != X86_INS_CMP || x.op_count != 2 || !is_reg(x.operands[0], reg)) return false;
  const cs_x86_op& mem = x.operands[1];
  return mem.type == X86_OP_MEM && mem.size == 8 && mem.mem.base == X86_REG_R14 &&
         mem.mem.index == X86_REG_INVALID && mem.mem.segment == X86_REG_INVALID &&
         mem.mem.disp == kStackGuardOffset;
}

// `lea r12, [rsp - N]`
bool is_frame_bound(const Capstone& cs) {
  const cs_x86& x = cs.x86();
  if (cs.insn->id != X86_INS_LEA || x.op_count != 2 || !is_reg(x.operands[0], X86_REG_R12)) return false;
  const cs_x86_op& mem = x.operands[1];
  return mem.type == X86_OP_MEM && mem.mem.base == X86_REG_RSP && mem.mem.index == X86_REG_INVALID &&
         mem.mem.disp < 0;
}

uint64_t direct_target(const Capstone& cs) {
  const cs_x86& x = cs.x86();
  return x.op_count == 1 && x.operands[0].type == X86_OP_IMM ? uint64_t(x.operands[0].imm) : 0;
}

}  // namespace

StackCheck find_stack_check_branch(const std::vector<uint8_t>& code, uint64_t vaddr) {
  StackCheck out;
  Capstone cs;
  if (!cs.insn) {
    out.note = "capstone could not be initialised";
    return out;
  }
  uint64_t at = 0;
  if (!cs.decode(code, vaddr, at)) {
    out.note = "first instruction undecodable";
    return out;
  }
  x86_reg compared = X86_REG_RSP;
  if (is_frame_bound(cs)) {
    compared = X86_REG_R12;
    at += cs.insn->size;
    if (!cs.decode(code, vaddr, at)) {
      out.note = "prologue undecodable";
      return out;
    }
  }
  if (!is_stack_guard_compare(cs, compared)) {
    out.note = "no stack check at the function's start";
    return out;
  }
  at += cs.insn->size;
  if (!cs.decode(code, vaddr, at) || cs.insn->id != X86_INS_JBE) {
    out.note = "stack check not followed by jbe";
    return out;
  }
  const uint64_t branch = vaddr + at;
  const uint64_t tail = direct_target(cs);
  if (tail <= branch || tail >= vaddr + code.size()) {
    out.note = "stack check branch leaves the function";
    return out;
  }
  // The tail must call the runtime and come back to the first instruction, or the jbe is not
  // Go's stack check and a taken branch would not mean "this call runs again".
  bool called = false;
  uint64_t t = tail - vaddr;
  for (int i = 0; i < kMaxTailInstructions && cs.decode(code, vaddr, t); i++, t += cs.insn->size) {
    if (cs.insn->id == X86_INS_CALL) {
      called = true;
    } else if (cs.insn->id == X86_INS_JMP) {
      if (called && direct_target(cs) == vaddr) {
        out.found = true;
        out.branch_vaddr = branch;
        return out;
      }
      break;
    } else if (cs_insn_group(cs.handle, cs.insn, X86_GRP_JUMP) || cs_insn_group(cs.handle, cs.insn, X86_GRP_RET)) {
      break;
    }
  }
  out.note = "stack check branch target does not call the runtime and restart the function";
  return out;
}

}  // namespace agentprof::gotls
