#include "attach/probe_placement.h"

#include <elf.h>

#include <array>

#include "attach/boringssl/elf_file.h"
#include "attach/boringssl/x86_decoder.h"

namespace agentprof {

namespace {

using boringssl::Insn;
using boringssl::InsnKind;
using boringssl::X86Decoder;

constexpr size_t kMaxFunctionBytes = 4096;  // wrappers are tiny; anything larger stays classic
constexpr int kMaxPrefixInsns = 32;         // instructions scanned before the call must appear
constexpr size_t kMaxInsnBytes = 15;

// What a general register holds while walking the wrapper's straight-line start.
enum class Holds : uint8_t { kUnknown, kArg0, kArg1, kArg2, kArg3, kStackAddress };

// Instructions whose uprobe the x86 kernel emulates instead of single-stepping.
bool kernel_emulates(const Insn& in) {
  if (in.push_reg) return true;
  return in.direct && (in.kind == InsnKind::kCall || in.kind == InsnKind::kJmp || in.kind == InsnKind::kCondJmp);
}

TlsProbePlacement classic(std::string why) {
  TlsProbePlacement p;
  p.why_classic = std::move(why);
  return p;
}

// Updates what each register holds after one non-branch instruction.
void track_registers(const Insn& in, std::array<Holds, 16>& holds) {
  std::array<Holds, 16> before = holds;
  for (int r = 0; r < 16; ++r)
    if (in.written & (1u << r)) holds[r] = Holds::kUnknown;
  if (in.stack_address && in.dst >= 0) {
    holds[in.dst] = Holds::kStackAddress;
  } else if (in.sign_extend && in.dst >= 0 && in.dst == in.src) {
    holds[in.dst] = before[in.src];  // `movsxd rdx, edx`: the int argument widened, same value
  } else if (!in.sign_extend && in.dst >= 0 && in.src >= 0 && !in.has_imm) {
    holds[in.dst] = before[in.src];  // 64-bit register copy
  }
  holds[boringssl::kRsp] = Holds::kStackAddress;  // whatever is done to rsp, it stays in the stack
}

}  // namespace

TlsProbePlacement place_tls_probes(const CodeReader& read, uint64_t segment_begin, uint64_t segment_end,
                                   uint64_t function, uint64_t size, TlsCallShape shape) {
  if (function < segment_begin || function >= segment_end) return classic("function outside the code segment");
  if (size == 0) return classic("function size unknown");
  if (size > kMaxFunctionBytes) return classic("function too large to be a wrapper");
  if (function + size > segment_end) return classic("function runs past the code segment");
  std::vector<uint8_t> code;
  if (!read(function, size, code) || code.size() != size) return classic("cannot read the function's code");
  X86Decoder decoder;
  if (!decoder.ok()) return classic("no x86 decoder");

  Insn first;
  if (!decoder.decode(code.data(), code.size(), function, first)) return classic("undecodable first instruction");
  if (kernel_emulates(first)) return classic("first instruction already emulated by the kernel");

  // Straight-line start: arguments must reach the call unchanged.
  std::array<Holds, 16> holds{};
  holds[boringssl::kRdi] = Holds::kArg0;
  holds[boringssl::kRsi] = Holds::kArg1;
  holds[boringssl::kRdx] = Holds::kArg2;
  holds[boringssl::kRcx] = Holds::kArg3;
  holds[boringssl::kRsp] = Holds::kStackAddress;
  const uint64_t end = function + size;
  uint64_t at = function;
  Insn call;
  bool found = false;
  for (int n = 0; n < kMaxPrefixInsns && at < end; ++n) {
    Insn in;
    if (!decoder.decode(code.data() + (at - function), end - at, at, in)) return classic("undecodable instruction");
    if (in.kind == InsnKind::kCall) {
      if (!in.direct) return classic("indirect call before the implementation call");
      call = in;
      found = true;
      break;
    }
    if (in.kind == InsnKind::kJmp || in.kind == InsnKind::kRet || in.kind == InsnKind::kInt3)
      return classic("no call on the straight-line start");
    if (in.kind == InsnKind::kCondJmp) {
      // Early exits (argument checks) may branch forward inside the function.
      if (!in.direct || in.target <= at || in.target >= end) return classic("branch leaves the function start");
    } else {
      track_registers(in, holds);
    }
    at += in.size;
  }
  if (!found) return classic("no call on the straight-line start");
  if (holds[boringssl::kRdi] != Holds::kArg0 || holds[boringssl::kRsi] != Holds::kArg1 ||
      holds[boringssl::kRdx] != Holds::kArg2)
    return classic("arguments changed before the call");
  const Holds want = shape == TlsCallShape::kEx ? Holds::kArg3 : Holds::kStackAddress;
  const bool in_rcx = holds[boringssl::kRcx] == want, in_r8 = holds[boringssl::kR8] == want;
  if (in_rcx == in_r8) return classic("bytes-done pointer not identified at the call");

  const uint64_t target = call.target;
  if (target < segment_begin || target >= segment_end) return classic("call target outside the code segment");
  std::vector<uint8_t> head;
  size_t head_len = std::min<uint64_t>(kMaxInsnBytes, segment_end - target);
  Insn callee_first;
  if (!read(target, head_len, head) || !decoder.decode(head.data(), head.size(), target, callee_first))
    return classic("cannot decode the implementation's first instruction");
  if (!kernel_emulates(callee_first)) return classic("implementation's first instruction is not emulated either");

  // The implementation must be entered from this one call: a second call elsewhere in the wrapper
  // would carry bytes past the entry probe.
  int calls_to_target = 0;
  for (uint64_t p = function; p < end;) {
    Insn in;
    if (!decoder.decode(code.data() + (p - function), end - p, p, in)) return classic("undecodable wrapper body");
    if ((in.kind == InsnKind::kCall || in.kind == InsnKind::kJmp) && in.direct && in.target == target)
      ++calls_to_target;
    p += in.size;
  }
  if (calls_to_target != 1) return classic("implementation reached from more than one place");

  TlsProbePlacement placement;
  placement.at_call_site = true;
  placement.call_site = call.addr;
  placement.implementation = target;
  placement.done_pointer_in_r8 = in_r8;
  return placement;
}

TlsProbePlacement place_tls_probes_in_elf(const boringssl::ElfFile& elf, uint64_t function, uint64_t size,
                                          TlsCallShape shape) {
  if (elf.machine() != EM_X86_64) return classic("not an x86-64 binary");
  for (const boringssl::ElfSegment& seg : elf.load_segments()) {
    if (!(seg.flags & PF_X) || function < seg.offset || function >= seg.offset + seg.filesz) continue;
    CodeReader read = [&elf](uint64_t offset, size_t len, std::vector<uint8_t>& out) {
      return elf.read(offset, len, out);
    };
    return place_tls_probes(read, seg.offset, seg.offset + seg.filesz, function, size, shape);
  }
  return classic("function not in an executable segment");
}

TlsProbePlacement place_tls_probes_in_file(const std::string& path, uint64_t function, uint64_t size,
                                           TlsCallShape shape) {
  boringssl::ElfFile elf;
  if (!elf.open(path)) return classic(elf.error());
  TlsProbePlacement p = place_tls_probes_in_elf(elf, function, size, shape);
  // The analysis must describe the file the probes go on: a replaced file keeps the classic placement.
  if (p.at_call_site && !elf.unchanged_on_disk(path)) return classic("file changed during analysis");
  return p;
}

}  // namespace agentprof
