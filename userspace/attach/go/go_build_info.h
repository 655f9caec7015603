// The Go release a binary was built with, from its .go.buildinfo blob ("go1.19.8"), for reports.
#pragma once

#include <string>

#include "attach/boringssl/elf_file.h"

namespace agentprof::gotls {

// Empty when the binary has no build info or uses the pre-1.18 pointer layout.
std::string read_go_version(const boringssl::ElfFile& elf);

}  // namespace agentprof::gotls
