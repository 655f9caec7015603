#pragma once
// One symbolized stack frame: what a flame graph node is named after.
#include <cstdint>
#include <string>

namespace agentprof::symbolizer {

// Name given to an address no symbol covers (the module is still reported when known).
inline constexpr const char* kUnknownFunction = "[unknown]";

struct Frame {
  uint64_t address = 0;       // the address as given by the caller (before the return-address -1)
  std::string function;       // demangled name, or kUnknownFunction
  std::string module;         // path as the process sees it ("/usr/lib/.../libc.so.6"), "[kernel.kallsyms]",
                              // "[module]" for kernel modules, "[perf-map]" for JIT code, "" if unknown
  uint64_t offset = 0;        // resolved: bytes from the function start; unresolved with a module:
                              // the ELF virtual address inside the module (like perf's module+0x...)
  bool resolved = false;      // true when `function` is a real symbol
  std::string file;           // source file when line info is known (optional, may stay empty)
  uint32_t line = 0;          // 0 when unknown
};

// How the first address of a stack relates to the others: a sampled stack starts with the interrupted
// instruction pointer; every later entry is a return address, which points after the call and may
// belong to the next function (or next inlined range), so it is looked up as address - 1.
enum class FirstAddress { kInstructionPointer, kReturnAddress };

}  // namespace agentprof::symbolizer
