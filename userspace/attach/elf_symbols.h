// Function symbols of an ELF file, resolved to the file offsets uprobes need.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

namespace agentprof {

struct ElfSymbolLookup {
  bool ok = false;
  std::string error;                          // why the file could not be read
  std::map<std::string, uint64_t> offsets;    // wanted name -> file offset of its first instruction
  std::map<std::string, uint64_t> sizes;      // wanted name -> the symbol's size in bytes (0: unknown)
  bool is_shared_object = false;              // ET_DYN
};

// Looks for the `wanted` function names in .dynsym and then .symtab. Versioned names
// ("SSL_write@@OPENSSL_3.0.0") match their base name. Offsets are file offsets: the symbol's
// virtual address translated through the PT_LOAD segment that contains it.
ElfSymbolLookup find_elf_functions(const std::string& path, const std::set<std::string>& wanted);

}  // namespace agentprof
