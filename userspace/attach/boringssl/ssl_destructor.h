// Finding the ssl_st destructor from SSL_new. SSL_new keeps the object it allocates in a callee-saved
// register (`call alloc; test rax,rax; j.. ; mov rbx, rax`); its failure cleanup calls the destructor
// with that register as first argument (`mov rdi, rbx; call ~ssl_st`), before OPENSSL_free. The first
// direct call (in address order after the allocation) whose rdi is a copy of that register is taken.
#pragma once

#include <cstdint>
#include <string>

#include "attach/boringssl/function_map.h"

namespace agentprof::boringssl {

struct DestructorGuess {
  bool found = false;
  uint64_t vaddr = 0;
  std::string why;  // when not found
};

// The caller checks the candidate's prologue (it may lie outside any decoded window).
DestructorGuess find_ssl_destructor(const DecodedFunction& ssl_new);

// True when `code` (the candidate's first bytes, at `vaddr`) begins like ~ssl_st: its first call is
// CRYPTO_free_ex_data(&g_ex_data_class_ssl, &ssl->ex_data), i.e. rdi holds an absolute address for
// which `is_writable_data` is true. OPENSSL_free or any other cleanup taking the object does not.
bool begins_with_ex_data_free(const uint8_t* code, size_t len, uint64_t vaddr, X86Decoder& decoder,
                              bool (*is_writable_data)(const void* ctx, uint64_t addr), const void* ctx);

}  // namespace agentprof::boringssl
