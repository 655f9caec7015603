#include "attach/boringssl/ssl_destructor.h"

namespace agentprof::boringssl {

namespace {

constexpr int kAllocLookahead = 6;   // instructions between the allocation call and `mov reg, rax`
constexpr int kArgLookbehind = 8;    // instructions searched back from a call for its rdi

bool callee_saved(int r) { return r == kRbx || r == 12 || r == 13 || r == 14 || r == 15; }

// The callee-saved register that receives this call's return value on the fall-through path.
int result_holder(const DecodedFunction& f, size_t call_index) {
  for (size_t j = call_index + 1; j < f.insns.size() && j <= call_index + kAllocLookahead; ++j) {
    const Insn& in = f.insns[j];
    if (in.kind == InsnKind::kCall || in.kind == InsnKind::kJmp || in.kind == InsnKind::kRet) break;
    if (in.src == kRax && !in.sign_extend && in.dst != kNoReg && callee_saved(in.dst)) return in.dst;
    if (in.written & (1u << kRax)) break;
  }
  return kNoReg;
}

// True when the straight-line code before the call sets rdi by copying `reg`.
bool first_arg_is(const DecodedFunction& f, size_t call_index, int reg) {
  for (size_t n = 0, j = call_index; j > 0 && n < kArgLookbehind; ++n) {
    --j;
    const Insn& in = f.insns[j];
    if (in.kind != InsnKind::kOther && in.kind != InsnKind::kNop) return false;
    if (in.written & (1u << kRdi)) return in.dst == kRdi && in.src == reg && !in.sign_extend;
    if (f.is_branch_target(in.addr)) return false;
  }
  return false;
}

}  // namespace

DestructorGuess find_ssl_destructor(const DecodedFunction& ssl_new) {
  DestructorGuess g;
  int object = kNoReg;
  uint64_t alloc_target = 0;
  for (size_t i = 0; i < ssl_new.insns.size(); ++i) {
    const Insn& in = ssl_new.insns[i];
    if (in.kind != InsnKind::kCall || !in.direct) continue;
    if (object == kNoReg) {
      object = result_holder(ssl_new, i);
      alloc_target = in.target;
      continue;
    }
    if (in.target == alloc_target || in.target == ssl_new.start) continue;
    if (first_arg_is(ssl_new, i, object)) {
      g.found = true;
      g.vaddr = in.target;
      return g;
    }
  }
  g.why = object == kNoReg ? "SSL_new: no allocation kept in a callee-saved register"
                           : "no call in SSL_new takes the new object as first argument";
  return g;
}

bool begins_with_ex_data_free(const uint8_t* code, size_t len, uint64_t vaddr, X86Decoder& decoder,
                              bool (*is_writable_data)(const void* ctx, uint64_t addr), const void* ctx) {
  constexpr int kMaxInsns = 24;
  bool rdi_known = false;
  uint64_t rdi = 0;
  size_t at = 0;
  for (int n = 0; n < kMaxInsns && at < len; ++n) {
    Insn in;
    if (!decoder.decode(code + at, len - at, vaddr + at, in)) return false;
    if (in.kind == InsnKind::kCall) return in.direct && rdi_known && is_writable_data(ctx, rdi);
    if (in.kind != InsnKind::kOther && in.kind != InsnKind::kNop) return false;  // no branches first
    if (in.written & (1u << kRdi)) {
      rdi_known = in.dst == kRdi && in.has_imm;
      rdi = in.imm;
    }
    at += in.size;
  }
  return false;
}

}  // namespace agentprof::boringssl
