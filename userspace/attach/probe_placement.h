// Where the TLS probes of an exported SSL_* function go. A uprobe on an instruction the kernel cannot
// emulate (e.g. `sub rsp, N`, the first instruction of Debian's libssl SSL_write) is single-stepped
// out of line, which costs several microseconds per hit in a VM; `push reg` and direct `call`/`jmp`
// are emulated and cost a fraction of that. When the exported function is a thin wrapper — its
// straight-line start passes its own arguments unchanged to one direct call of an implementation that
// begins with an emulated instruction — the entry probe goes on that `call` and the return probe on
// the implementation. Anything that does not fit these rules keeps the classic placement: entry and
// return probes on the exported function itself.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace agentprof {

enum class TlsCallShape {
  kPlain,  // SSL_write(ssl, buf, int num) / SSL_read: the implementation's bytes-done pointer is a
           // stack slot of the wrapper
  kEx,     // SSL_write_ex(ssl, buf, size_t num, size_t *done): the caller's pointer is passed on
};

struct TlsProbePlacement {
  bool at_call_site = false;     // false: classic placement on the function itself
  uint64_t call_site = 0;        // file offset of the wrapper's `call` (entry probe)
  uint64_t implementation = 0;   // file offset of the called implementation (return probe)
  bool done_pointer_in_r8 = false;  // at the call the bytes-done pointer is in r8 (else rcx)
  std::string why_classic;       // when classic: why the call-site placement did not apply
};

// Reads `len` bytes at file offset `offset` of the binary; false when they are not there.
using CodeReader = std::function<bool(uint64_t offset, size_t len, std::vector<uint8_t>& out)>;

// Decides the placement for the function at file offset `function` (`size` bytes, from its symbol)
// inside the executable segment [segment_begin, segment_end) (file offsets).
TlsProbePlacement place_tls_probes(const CodeReader& read, uint64_t segment_begin, uint64_t segment_end,
                                   uint64_t function, uint64_t size, TlsCallShape shape);

namespace boringssl {
class ElfFile;
}

// The same for an ELF file already open (the caller makes sure it is the file the probes go on).
TlsProbePlacement place_tls_probes_in_elf(const boringssl::ElfFile& elf, uint64_t function, uint64_t size,
                                          TlsCallShape shape);

// The same for a file on disk, refused when the file changes during the analysis.
TlsProbePlacement place_tls_probes_in_file(const std::string& path, uint64_t function, uint64_t size,
                                           TlsCallShape shape);

}  // namespace agentprof
