// Reading one BoringSSL error report (ERR_put_error(lib, [func,] reason, file, line)) from decoded code:
// given the instruction that loads the file-name pointer, find the call that consumes it and the
// constant in the argument register before the file pointer (the reason code).
#pragma once

#include <cstdint>
#include <string>

#include "attach/boringssl/function_map.h"

namespace agentprof::boringssl {

struct ErrorSite {
  uint64_t site = 0;        // the instruction loading the file pointer
  bool resolved = false;    // reason read with certainty
  std::string why;          // when not resolved
  int file_arg = 0;         // 3 or 4 (1-based SysV argument holding the file pointer)
  uint32_t reason = 0;
  long line = -1;           // -1 when not a constant
  long lib = -1;            // -1 when not a constant
  uint64_t call_target = 0; // the error-reporting function
};

// `index` is the position of the site instruction in `f.insns`.
ErrorSite read_error_site(const DecodedFunction& f, long index);

}  // namespace agentprof::boringssl
