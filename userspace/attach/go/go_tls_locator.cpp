#include "attach/go/go_tls_locator.h"

#include <elf.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>

#include "attach/boringssl/elf_file.h"
#include "attach/go/go_binary_key.h"
#include "attach/go/go_build_info.h"
#include "attach/go/go_location_cache.h"
#include "attach/go/pclntab.h"
#include "attach/go/ret_scan.h"
#include "attach/go/stack_check.h"

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
                   std::string& error, bool& io_failed) {
  if (s.size <= skip || s.size - skip > kMaxPclntabBytes) {
    error = "pclntab section size out of range";
    return false;
  }
  std::vector<uint8_t> bytes;
  if (!elf.read(s.offset + skip, s.size - skip, bytes)) {
    error = "reading pclntab failed (file truncated?)";
    io_failed = true;
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
bool find_pclntab(const ElfFile& elf, Pclntab& out, std::string& error, bool& io_failed) {
  // PIE builds name it .data.rel.ro.gopclntab (it needs relocations there).
  for (const char* name : {".gopclntab", ".data.rel.ro.gopclntab"})
    if (const ElfSection* s = elf.section(name)) return parse_section(elf, *s, 0, out, error, io_failed);
  for (const ElfSection& s : elf.sections()) {
    if (!(s.flags & SHF_ALLOC) || (s.flags & SHF_EXECINSTR) || s.type == SHT_NOBITS) continue;
    if (s.name.rfind(".data.rel.ro", 0) != 0 && s.name != ".rodata") continue;
    if (s.size > kMaxPclntabBytes) continue;
    std::vector<uint8_t> bytes;
    if (!elf.read(s.offset, s.size, bytes)) {
      io_failed = true;
      continue;
    }
    for (uint64_t at = 0; at + 8 <= bytes.size(); at += 8) {
      uint32_t magic;
      std::memcpy(&magic, bytes.data() + at, 4);
      if (pclntab_version_from_magic(magic) == PclntabVersion::kUnknown) continue;
      if (bytes[at + 4] != 0 || bytes[at + 5] != 0 || bytes[at + 6] != 1 || bytes[at + 7] != 8)
        continue;
      Pclntab candidate;
      std::string ignored;
      if (parse_section(elf, s, at, candidate, ignored, io_failed) && candidate.find(kAnchorName)) {
        out = std::move(candidate);
        return true;
      }
    }
  }
  error = "no .gopclntab (not a Go binary, or Go older than 1.16)";
  return false;
}

// `note` receives what a reader of doctor should know about a success (an unusual prologue).
bool locate_function(const ElfFile& elf, const Pclntab& table, const char* name, bool need_rets,
                     GoFunctionProbes& out, std::string& error, std::string& note, bool& io_failed) {
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
  std::vector<uint8_t> code;
  if (!elf.read(*entry_off, f->end - f->entry, code)) {
    error = std::string(name) + ": reading code failed";
    io_failed = true;
    return false;
  }
  StackCheck check = find_stack_check_branch(code, f->entry);
  out.entry_at_stack_check = check.found;
  out.entry_probe = check.found ? *entry_off + (check.branch_vaddr - f->entry) : *entry_off;
  if (!check.found) note = std::string(name) + ": " + check.note + ", probed at its first instruction";
  if (!need_rets) return true;
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

namespace {

// Analysis of an opened file; sets loc.definitive unless a read failed.
GoTlsLocation locate_in(const ElfFile& elf, const std::string& path) {
  GoTlsLocation loc;
  bool io_failed = false;
  loc.key = go_binary_key(elf);
  if (elf.machine() != EM_X86_64) {
    loc.reason = "not x86-64 (Go register ABI probes are x86-64 only)";
    loc.definitive = true;
    return loc;
  }
  loc.go_version = read_go_version(elf);
  Pclntab table;
  bool ok = find_pclntab(elf, table, loc.reason, io_failed);
  if (ok && table.version() == PclntabVersion::kGo116 && !register_abi_release(loc.go_version)) {
    // 1.16 and 1.17 share this table layout; only 1.17 passes arguments in registers.
    loc.reason = "Go 1.16-style function table and release " +
                 (loc.go_version.empty() ? std::string("unknown") : loc.go_version) +
                 ": register ABI not established (need Go >= 1.17)";
    ok = false;
  }
  std::string write_note, read_note, close_note;
  ok = ok && locate_function(elf, table, kWriteName, true, loc.write, loc.reason, write_note, io_failed) &&
       locate_function(elf, table, kReadName, true, loc.read, loc.reason, read_note, io_failed);
  if (ok) {
    std::string close_error;
    loc.has_close = locate_function(elf, table, kCloseName, false, loc.close, close_error, close_note, io_failed);
    loc.found = true;
    loc.reason = "crypto/tls located from .gopclntab";
    // A function probed at its first instruction sees a stack-growth restart twice (Write's
    // bytes would repeat): say so where doctor shows it.
    for (const std::string* n : {&write_note, &read_note, &close_note})
      if (!n->empty()) loc.reason += "; " + *n;
  }
  loc.definitive = !io_failed;
  // A binary replaced or rewritten while we read it may mix two versions: never trust that.
  if (!elf.unchanged_on_disk(path)) {
    loc = GoTlsLocation{};
    loc.reason = "file changed while it was analysed";
  }
  if (!loc.found) {
    loc.write = loc.read = loc.close = GoFunctionProbes{};
    loc.has_close = false;
  }
  return loc;
}

// A cached success is reused only when its sites still fit the file: each entry offset is its
// vaddr's place in a loaded segment, each recorded RET is a RET byte within reach of its entry.
bool cached_entry_plausible(const ElfFile& elf, const GoTlsLocation& loc) {
  if (!loc.found) return true;
  if (loc.write.name != kWriteName || loc.read.name != kReadName || (loc.has_close && loc.close.name != kCloseName))
    return false;
  auto plausible = [&](const GoFunctionProbes& f) {
    std::optional<uint64_t> off = elf.vaddr_to_offset(f.entry_vaddr);
    if (!off || *off != f.entry) return false;
    // The entry probe is the first instruction or a jbe (0x76 rel8, 0x0f 0x86 rel32) near it.
    if (f.entry_at_stack_check) {
      uint8_t op[2] = {};
      if (f.entry_probe <= f.entry || f.entry_probe - f.entry > 16 || !elf.read(f.entry_probe, op, 2) ||
          !(op[0] == 0x76 || (op[0] == 0x0f && op[1] == 0x86)))
        return false;
    } else if (f.entry_probe != f.entry) {
      return false;
    }
    for (uint64_t r : f.rets) {
      uint8_t op = 0;
      if (r <= f.entry || r - f.entry >= kMaxFunctionBytes || !elf.read(r, &op, 1) || op != 0xc3) return false;
    }
    return true;
  };
  return plausible(loc.write) && plausible(loc.read) && (!loc.has_close || plausible(loc.close));
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

GoTlsLocation locate_go_tls(const std::string& path) {
  auto t0 = std::chrono::steady_clock::now();
  GoTlsLocation loc;
  ElfFile elf;
  if (!elf.open(path)) loc.reason = elf.error();
  else loc = locate_in(elf, path);
  loc.analysis_seconds = seconds_since(t0);
  return loc;
}

namespace {

std::optional<GoTlsLocation> cached_for(const ElfFile& elf, const std::string& path, const std::string& cache_dir) {
  const std::string key = go_binary_key(elf);
  std::optional<GoTlsLocation> hit = GoLocationCache(cache_dir).load(key);
  if (!hit || !cached_entry_plausible(elf, *hit) || !elf.unchanged_on_disk(path)) return std::nullopt;
  hit->key = key;
  hit->from_cache = true;
  return hit;
}

}  // namespace

std::optional<GoTlsLocation> cached_go_tls_location(const std::string& path, const std::string& cache_dir) {
  auto t0 = std::chrono::steady_clock::now();
  ElfFile elf;
  if (!elf.open(path)) return std::nullopt;
  std::optional<GoTlsLocation> hit = cached_for(elf, path, cache_dir);
  if (hit) hit->analysis_seconds = seconds_since(t0);
  return hit;
}

GoTlsLocation locate_go_tls_cached(const std::string& path, const std::string& cache_dir) {
  auto t0 = std::chrono::steady_clock::now();
  GoTlsLocation loc;
  ElfFile elf;
  if (!elf.open(path)) {
    loc.reason = elf.error();
    loc.analysis_seconds = seconds_since(t0);
    return loc;
  }
  if (auto hit = cached_for(elf, path, cache_dir)) {
    loc = *hit;
  } else {
    loc = locate_in(elf, path);
    if (loc.definitive) GoLocationCache(cache_dir).store(loc.key, loc);
  }
  loc.analysis_seconds = seconds_since(t0);
  return loc;
}

}  // namespace agentprof::gotls
