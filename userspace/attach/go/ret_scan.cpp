#include "attach/go/ret_scan.h"

#include "attach/boringssl/x86_decoder.h"

namespace agentprof::gotls {

RetScan scan_rets(const std::vector<uint8_t>& code, uint64_t vaddr) {
  RetScan out;
  boringssl::X86Decoder decoder;
  if (!decoder.ok()) {
    out.error = "capstone could not be initialised";
    return out;
  }
  size_t at = 0;
  while (at < code.size()) {
    boringssl::Insn insn;
    if (!decoder.decode(code.data() + at, code.size() - at, vaddr + at, insn) || insn.size == 0) {
      out.error = "undecodable instruction at offset " + std::to_string(at) + " of the function";
      return out;
    }
    if (insn.kind == boringssl::InsnKind::kRet) out.ret_vaddrs.push_back(vaddr + at);
    at += insn.size;
  }
  if (out.ret_vaddrs.empty()) {
    out.error = "no RET instruction in the function";
    return out;
  }
  out.ok = true;
  return out;
}

}  // namespace agentprof::gotls
