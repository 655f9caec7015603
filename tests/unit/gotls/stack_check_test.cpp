// find_stack_check_branch: the entry probe goes on the jbe of Go's stack check only when the
// prologue is exactly that check and the branch leads to a runtime call that restarts the function.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "attach/go/stack_check.h"

using agentprof::gotls::find_stack_check_branch;

namespace {

constexpr uint64_t kBase = 0x401000;

// Appends a rel32 displacement from the end of a 4-byte field at code.size() to `target`.
void rel32(std::vector<uint8_t>& code, uint64_t target) {
  int32_t d = int32_t(int64_t(target) - int64_t(kBase + code.size() + 4));
  for (int i = 0; i < 4; i++) code.push_back(uint8_t(uint32_t(d) >> (8 * i)));
}

// body: `mov rax, rbx` ×3 then ret; tail at its end: spill, call, reload, jmp `back`.
void body_and_tail(std::vector<uint8_t>& code, size_t jbe_disp_at, bool rel8, uint64_t back, bool with_call = true) {
  for (int i = 0; i < 3; i++) code.insert(code.end(), {0x48, 0x89, 0xd8});
  code.push_back(0xc3);
  uint64_t tail = kBase + code.size();
  if (rel8) code[jbe_disp_at] = uint8_t(int8_t(int64_t(tail) - int64_t(kBase + jbe_disp_at + 1)));
  else {
    int32_t d = int32_t(int64_t(tail) - int64_t(kBase + jbe_disp_at + 4));
    for (int i = 0; i < 4; i++) code[jbe_disp_at + i] = uint8_t(uint32_t(d) >> (8 * i));
  }
  code.insert(code.end(), {0x48, 0x89, 0x44, 0x24, 0x08});  // mov [rsp+8], rax
  if (with_call) {
    code.push_back(0xe8);  // call runtime.morestack_noctxt (somewhere before the function)
    rel32(code, 0x400000);
  }
  code.insert(code.end(), {0x48, 0x8b, 0x44, 0x24, 0x08});  // mov rax, [rsp+8]
  code.push_back(0xe9);                                    // jmp back
  rel32(code, back);
  code.insert(code.end(), {0xcc, 0xcc});
}

// cmp rsp, [r14+0x10]; jbe rel8 TAIL
std::vector<uint8_t> small_frame(uint64_t back = kBase, uint8_t guard_disp = 0x10) {
  std::vector<uint8_t> code = {0x49, 0x3b, 0x66, guard_disp, 0x76, 0x00};
  body_and_tail(code, 5, true, back);
  return code;
}

// lea r12, [rsp-0x68]; cmp r12, [r14+0x10]; jbe rel32 TAIL
std::vector<uint8_t> big_frame() {
  std::vector<uint8_t> code = {0x4c, 0x8d, 0x64, 0x24, 0x98, 0x4d, 0x3b, 0x66, 0x10, 0x0f, 0x86, 0, 0, 0, 0};
  body_and_tail(code, 11, false, kBase);
  return code;
}

}  // namespace

TEST_CASE("stack check: small frame, jbe rel8", "[gotls]") {
  auto check = find_stack_check_branch(small_frame(), kBase);
  INFO(check.note);
  REQUIRE(check.found);
  CHECK(check.branch_vaddr == kBase + 4);
}

TEST_CASE("stack check: big frame through r12, jbe rel32", "[gotls]") {
  auto check = find_stack_check_branch(big_frame(), kBase);
  INFO(check.note);
  REQUIRE(check.found);
  CHECK(check.branch_vaddr == kBase + 9);
}

TEST_CASE("stack check: anything else keeps the first instruction", "[gotls]") {
  // No check at all: push rbp first.
  std::vector<uint8_t> nosplit = {0x55, 0x48, 0x89, 0xe5, 0x5d, 0xc3};
  CHECK_FALSE(find_stack_check_branch(nosplit, kBase).found);
  // Compared with something other than g.stackguard0 ([r14+0x18]).
  CHECK_FALSE(find_stack_check_branch(small_frame(kBase, 0x18), kBase).found);
  // The tail jumps somewhere other than the function's start: a taken branch would not restart it.
  CHECK_FALSE(find_stack_check_branch(small_frame(kBase + 6), kBase).found);
  // The tail makes no runtime call.
  std::vector<uint8_t> no_call = {0x49, 0x3b, 0x66, 0x10, 0x76, 0x00};
  body_and_tail(no_call, 5, true, kBase, false);
  CHECK_FALSE(find_stack_check_branch(no_call, kBase).found);
  // The branch target lies outside the function's bytes.
  std::vector<uint8_t> code = small_frame();
  std::vector<uint8_t> cut(code.begin(), code.begin() + 12);
  CHECK_FALSE(find_stack_check_branch(cut, kBase).found);
  // A jb (not jbe) after the compare.
  std::vector<uint8_t> jb = small_frame();
  jb[4] = 0x72;
  CHECK_FALSE(find_stack_check_branch(jb, kBase).found);
  // Empty and undecodable input.
  CHECK_FALSE(find_stack_check_branch({}, kBase).found);
  CHECK_FALSE(find_stack_check_branch({0x06}, kBase).found);
}
