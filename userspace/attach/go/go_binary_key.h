// What the Go locator's cache is keyed by: the GNU build id when the binary has one (external
// linking), else Go's own build id (.note.go.buildid, which `go build` always writes, also with
// -s -w), else the file's identity on disk (dev, inode, size, mtime).
#pragma once

#include <string>

#include "attach/boringssl/elf_file.h"

namespace agentprof::gotls {

// The raw Go build id ("actionID/contentID/..."); empty when absent or malformed.
std::string read_go_build_id(const boringssl::ElfFile& elf);

// A key usable as a cache file name ([0-9a-z-]): "<gnu hex>", "go-<hex of the Go build id>" or
// "file-<hash>".
std::string go_binary_key(const boringssl::ElfFile& elf);

}  // namespace agentprof::gotls
