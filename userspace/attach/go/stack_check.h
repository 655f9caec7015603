// Finds the conditional branch that ends a Go function's stack check, where entry probes go.
//
// Every Go function that may need more stack starts with
//     [lea r12, [rsp - N]]  cmp rsp|r12, [r14 + 16]  jbe MORESTACK
// (r14 holds the goroutine, [r14 + 16] its stack guard). When the check fails, MORESTACK grows (or
// preempts) the goroutine and jumps back to the function's first instruction: a probe on that first
// instruction fires twice for one call. On the jbe, a hit where the branch will be taken (the cmp
// left CF or ZF set, visible in the probe's registers) is the abandoned attempt and can be ignored,
// so each call is seen exactly once. The kernel also emulates a jcc under a uprobe, while the cmp
// would be single-stepped: the jbe is the cheaper place too.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace agentprof::gotls {

struct StackCheck {
  bool found = false;
  uint64_t branch_vaddr = 0;  // the jbe
  std::string note;           // why not found
};

// `code` holds the function's bytes at [vaddr, vaddr + code.size()). Found only when the prologue
// is exactly the pattern above and the branch's target, inside the function, calls the runtime and
// jumps back to `vaddr`.
StackCheck find_stack_check_branch(const std::vector<uint8_t>& code, uint64_t vaddr);

}  // namespace agentprof::gotls
