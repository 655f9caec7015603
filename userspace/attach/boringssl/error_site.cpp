#include "attach/boringssl/error_site.h"

namespace agentprof::boringssl {

namespace {

constexpr int kWindow = 16;        // instructions examined before the site
constexpr int kForwardSteps = 32;  // instructions followed after it, jumps included

bool is_flow(InsnKind k) {
  return k == InsnKind::kCall || k == InsnKind::kJmp || k == InsnKind::kCondJmp || k == InsnKind::kRet ||
         k == InsnKind::kInt3;
}

// Constant knowledge about one register while walking a straight-line block.
struct RegValue {
  bool known = false;
  bool clobbered = false;  // written with something that is not a constant
  uint64_t value = 0;
};

void apply(const Insn& in, int reg, RegValue& v) {
  if (!(in.written & (1u << reg))) return;
  if (in.dst == reg && in.has_imm) {
    v = RegValue{true, false, in.imm};
  } else {
    v = RegValue{false, true, 0};
  }
}

}  // namespace

ErrorSite read_error_site(const DecodedFunction& f, long index) {
  ErrorSite out;
  const Insn& s = f.insns[static_cast<size_t>(index)];
  out.site = s.addr;
  int reason_reg, line_reg;
  if (s.dst == kRcx) {  // lib, func(0), reason, file, line
    out.file_arg = 4;
    reason_reg = kRdx;
    line_reg = kR8;
  } else if (s.dst == kRdx) {  // lib, reason, file, line
    out.file_arg = 3;
    reason_reg = kRsi;
    line_reg = kRcx;
  } else {
    out.why = "file pointer not loaded into an argument register of the error call";
    return out;
  }
  const int regs[3] = {reason_reg, line_reg, kRdi};
  RegValue vals[3];

  // Backwards through the straight-line code leading to the site; values set before a branch
  // target may not hold on the other incoming path, so the walk stops there.
  if (!f.is_branch_target(s.addr)) {
    bool decided[3] = {false, false, false};
    for (long j = index - 1, n = 0; j >= 0 && n < kWindow; --j, ++n) {
      const Insn& in = f.insns[static_cast<size_t>(j)];
      if (is_flow(in.kind)) break;
      for (int r = 0; r < 3; ++r) {
        if (decided[r] || !(in.written & (1u << regs[r]))) continue;
        apply(in, regs[r], vals[r]);
        decided[r] = true;
      }
      if (f.is_branch_target(in.addr)) break;
    }
  }
  // Forwards along the one path leaving the site: straight-line code and unconditional direct jumps
  // (compilers share one error call between sites that each load their own arguments, then jump).
  // A conditional branch would make the path ambiguous, so it ends the walk unresolved.
  long j = index + 1;
  for (int n = 0; n < kForwardSteps; ++n) {
    if (j < 0 || j >= static_cast<long>(f.insns.size())) break;
    const Insn& in = f.insns[static_cast<size_t>(j)];
    if (in.kind == InsnKind::kJmp && in.direct) {
      j = f.index_of(in.target);
      if (j < 0) {
        out.why = "jump out of the function before the error call";
        return out;
      }
      continue;
    }
    if (in.kind == InsnKind::kCall) {
      if (!in.direct) {
        out.why = "error call is indirect";
        return out;
      }
      out.call_target = in.target;
      if (!vals[0].known) {
        out.why = "reason code is not a constant";
        return out;
      }
      out.reason = static_cast<uint32_t>(vals[0].value);
      if (vals[1].known) out.line = static_cast<long>(vals[1].value);
      if (vals[2].known) out.lib = static_cast<long>(vals[2].value);
      out.resolved = out.reason == vals[0].value;  // must fit 32 bits
      if (!out.resolved) out.why = "reason code out of range";
      return out;
    }
    if (is_flow(in.kind)) {
      out.why = "branch between the file pointer and the call";
      return out;
    }
    if (in.written & (1u << s.dst)) {
      out.why = "file pointer overwritten before the call";
      return out;
    }
    for (int r = 0; r < 3; ++r) apply(in, regs[r], vals[r]);
    ++j;
  }
  out.why = "no call after the file pointer";
  return out;
}

}  // namespace agentprof::boringssl
