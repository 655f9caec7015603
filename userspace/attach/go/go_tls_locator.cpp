#include "attach/go/go_tls_locator.h"

#include <elf.h>

#include <cstdio>
#include <cstring>
#include <optional>

#include "attach/boringssl/elf_file.h"
#include "attach/go/go_build_info.h"
#include "attach/go/pclntab.h"
#include "attach/go/ret_scan.h"

namespace agentprof::gotls {

namespace {

using boringssl::ElfFile;
using boringssl::ElfSection;

constexpr uint64_t kMaxPclntabBytes = 512ull << 20;
// Conn.Read/Write are a few hundred bytes; far larger bounds mean a corrupt table.
constexpr uint64_t kMaxFunctionBytes = 64 << 10;

const char* const kWriteName = "crypto/tls.(*Conn).Write";
const char* const kReadName = "crypto/tls.(*Conn).Read";
const char* const kCloseName = "crypto/tls.(*Conn).Close";
// Present in every Go program: confirms that a magic found by scanning is a real table.
const char* const kAnchorName = "runtime.main";

uint64_t text_start(const ElfFile& elf) {
  const ElfSection* text = elf.section(".text");
  return text ? text->vaddr : 0;
}

bool parse_section(const ElfFile& elf, const ElfSection& s, uint64_t skip, Pclntab& out,
                   std::string& error) {
  if (s.size <= skip || s.size - skip > kMaxPclntabBytes) {
    error = "pclntab section size out of range";
    return false;
  }
  std::vector<uint8_t> bytes;
  if (!elf.read(s.offset + skip, s.size - skip, bytes)) {
    error = "reading pclntab failed (file truncated?)";
    return false;
  }
  if (!out.parse(std::move(bytes), text_start(elf))) {
    error = out.error();
    return false;
  }
  return true;
}

// .gopclntab by name; otherwise (external links may fold it into .data.rel.ro) by its magic at
// an 8-aligned offset of a read-only data section, confirmed by finding runtime.main in it.
bool find_pclntab(const ElfFile& elf, Pclntab& out, std::string& error) {
  // PIE builds name it .data.rel.ro.gopclntab (it needs relocations there).
  for (const char* name : {".gopclntab", ".data.rel.ro.gopclntab"})
    if (const ElfSection* s = elf.section(name)) return parse_section(elf, *s, 0, out, error);
  for (const ElfSection& s : elf.sections()) {
    if (!(s.flags & SHF_ALLOC) || (s.flags & SHF_EXECINSTR) || s.type == SHT_NOBITS) continue;
    if (s.name.rfind(".data.rel.ro", 0) != 0 && s.name != ".rodata") continue;
    if (s.size > kMaxPclntabBytes) continue;
    std::vector<uint8_t> bytes;
    if (!elf.read(s.offset, s.size, bytes)) continue;
    for (uint64_t at = 0; at + 8 <= bytes.size(); at += 8) {
      uint32_t magic;
      std::memcpy(&magic, bytes.data() + at, 4);
      if (pclntab_version_from_magic(magic) == PclntabVersion::kUnknown) continue;
      if (bytes[at + 4] != 0 || bytes[at + 5] != 0 || bytes[at + 6] != 1 || bytes[at + 7] != 8)
        continue;
      Pclntab candidate;
      std::string ignored;
      if (parse_section(elf, s, at, candidate, ignored) && candidate.find(kAnchorName)) {
        out = std::move(candidate);
        return true;
      }
    }
  }
  error = "no .gopclntab (not a Go binary, or Go older than 1.16)";
  return false;
}

bool locate_function(const ElfFile& elf, const Pclntab& table, const char* name,
                     bool need_rets, GoFunctionProbes& out, std::string& error) {
  std::optional<GoFunction> f = table.find(name);
  if (!f) {
    error = std::string(name) + " not in the function table (binary does not use crypto/tls?)";
    return false;
  }
  if (f->end - f->entry > kMaxFunctionBytes) {
    error = std::string(name) + ": implausible function size";
    return false;
  }
  std::optional<uint64_t> entry_off = elf.vaddr_to_offset(f->entry);
  std::optional<uint64_t> last_off = elf.vaddr_to_offset(f->end - 1);
  if (!entry_off || !last_off || *last_off - *entry_off != f->end - 1 - f->entry) {
    error = std::string(name) + ": address outside the file's loaded segments";
    return false;
  }
  out.name = name;
  out.entry_vaddr = f->entry;
  out.entry = *entry_off;
  if (!need_rets) return true;
  std::vector<uint8_t> code;
  if (!elf.read(*entry_off, f->end - f->entry, code)) {
    error = std::string(name) + ": reading code failed";
    return false;
  }
  RetScan scan = scan_rets(code, f->entry);
  if (!scan.ok) {
    error = std::string(name) + ": " + scan.error;
    return false;
  }
  for (uint64_t vaddr : scan.ret_vaddrs) out.rets.push_back(*entry_off + (vaddr - f->entry));
  return true;
}

// True for "go1.17" and later (the first release with the register ABI on amd64).
bool register_abi_release(const std::string& version) {
  unsigned major = 0, minor = 0;
  if (std::sscanf(version.c_str(), "go%u.%u", &major, &minor) != 2) return false;
  return major > 1 || (major == 1 && minor >= 17);
}

}  // namespace

bool is_go_binary(const std::string& path) {
  ElfFile elf;
  if (!elf.open(path)) return false;
  return elf.section(".gopclntab") || elf.section(".data.rel.ro.gopclntab") ||
         elf.section(".go.buildinfo");
}

GoTlsLocation locate_go_tls(const std::string& path) {
  GoTlsLocation loc;
  ElfFile elf;
  if (!elf.open(path)) {
    loc.reason = elf.error();
    return loc;
  }
  if (elf.machine() != EM_X86_64) {
    loc.reason = "not x86-64 (Go register ABI probes are x86-64 only)";
    return loc;
  }
  loc.go_version = read_go_version(elf);
  Pclntab table;
  if (!find_pclntab(elf, table, loc.reason)) return loc;
  if (table.version() == PclntabVersion::kGo116 && !register_abi_release(loc.go_version)) {
    // 1.16 and 1.17 share this table layout; only 1.17 passes arguments in registers.
    loc.reason = "Go 1.16-style function table and release " +
                 (loc.go_version.empty() ? std::string("unknown") : loc.go_version) +
                 ": register ABI not established (need Go >= 1.17)";
    return loc;
  }
  if (!locate_function(elf, table, kWriteName, true, loc.write, loc.reason) ||
      !locate_function(elf, table, kReadName, true, loc.read, loc.reason))
    return loc;
  std::string close_error;
  loc.has_close = locate_function(elf, table, kCloseName, false, loc.close, close_error);
  if (!elf.unchanged_on_disk(path)) {
    loc.reason = "file changed while it was analysed";
    return loc;
  }
  loc.found = true;
  loc.reason = "crypto/tls located from .gopclntab";
  return loc;
}

}  // namespace agentprof::gotls
