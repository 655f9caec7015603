// Locating file-name strings (e.g. BoringSSL's ".../ssl/ssl_lib.cc") in an executable's read-only data.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "attach/boringssl/elf_file.h"

namespace agentprof::boringssl {

// Sections that may hold string literals: allocated, not writable, not executable, with file bytes.
std::vector<const ElfSection*> readonly_data_sections(const ElfFile& elf);

struct StringHits {
  bool read_ok = true;               // false when a section could not be read (truncated file)
  std::vector<uint64_t> vaddrs;      // start address of each NUL-terminated string ending in suffix
};

// Finds every NUL-terminated string that ends with `suffix` (e.g. "/ssl/ssl_lib.cc").
// Reads the sections in bounded chunks; strings longer than 1 KiB are ignored.
StringHits find_strings_ending_with(const ElfFile& elf, std::string_view suffix);

// Cheap existence test with the same chunked reads; stops at the first hit.
bool readonly_data_contains(const ElfFile& elf, std::string_view needle);

}  // namespace agentprof::boringssl
