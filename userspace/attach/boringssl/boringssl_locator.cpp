#include "attach/boringssl/boringssl_locator.h"

#include <elf.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>

#include "attach/boringssl/elf_file.h"
#include "attach/boringssl/error_site.h"
#include "attach/boringssl/function_map.h"
#include "attach/boringssl/hex.h"
#include "attach/boringssl/location_cache.h"
#include "attach/boringssl/readonly_strings.h"
#include "attach/boringssl/ssl_classifier.h"
#include "attach/boringssl/ssl_destructor.h"
#include "attach/boringssl/text_scan.h"
#include "attach/boringssl/x86_decoder.h"

namespace agentprof::boringssl {

namespace {

constexpr const char* kSslLibSuffix = "/ssl/ssl_lib.cc";
constexpr uint32_t kErrLibSsl = 16;
// Code decoded around the reference sites: sites closer than kClusterGap share one window, which
// extends kMarginBefore back (room to find the function start) and kMarginAfter forward.
constexpr uint64_t kClusterGap = 4u << 20;
constexpr uint64_t kMarginBefore = (1u << 20) + (64u << 10);
constexpr uint64_t kMarginAfter = 256u << 10;
constexpr uint64_t kMaxClusterSpan = 16u << 20;  // bounds the bytes read per window
constexpr size_t kMaxClusters = 64;
constexpr size_t kMaxSites = 4096;  // ssl_lib.cc has ~30 error sites; thousands means junk
constexpr size_t kMaxProblemsKept = 8;

// Build id when the binary carries one, else a hash of its identity on disk.
std::string file_key(const ElfFile& elf) {
  std::string id = elf.gnu_build_id();
  return id.empty() ? identity_key(elf.identity()) : id;
}

struct Timer {
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
};

bool exports_ssl_write(const ElfFile& elf) {
  const ElfSection* dynsym = elf.section(".dynsym");
  const ElfSection* dynstr = elf.section(".dynstr");
  if (!dynsym || !dynstr || dynstr->size > (64u << 20) || dynsym->size > (64u << 20)) return false;
  std::vector<uint8_t> syms, strs;
  if (!elf.read(dynsym->offset, dynsym->size, syms) || !elf.read(dynstr->offset, dynstr->size, strs))
    return false;
  for (size_t at = 0; at + sizeof(Elf64_Sym) <= syms.size(); at += sizeof(Elf64_Sym)) {
    Elf64_Sym s;
    std::memcpy(&s, syms.data() + at, sizeof s);
    if (s.st_shndx == SHN_UNDEF || s.st_name >= strs.size()) continue;
    const char* name = reinterpret_cast<const char*>(strs.data()) + s.st_name;
    size_t max = strs.size() - s.st_name;
    if (strnlen(name, max) >= 9 && std::strncmp(name, "SSL_write", 9) == 0 && (name[9] == 0 || name[9] == '@'))
      return true;
  }
  return false;
}

struct Cluster {
  uint64_t first = 0, last = 0;
  std::vector<ImmediateSite> sites;
  CodeWindow window;
  std::unique_ptr<FunctionMap> functions;
};

// `push rbp; mov rbp, rsp` at a virtual address, read from the file (any window).
bool prologue_at(const ElfFile& elf, uint64_t vaddr) {
  static const uint8_t kPrologue[4] = {0x55, 0x48, 0x89, 0xe5};
  uint8_t b[4];
  auto off = elf.vaddr_to_offset(vaddr);
  return off && elf.read(*off, b, 4) && std::memcmp(b, kPrologue, 4) == 0;
}

bool writable_data(const void* ctx, uint64_t addr) {
  for (const auto& l : static_cast<const ElfFile*>(ctx)->load_segments())
    if ((l.flags & PF_W) && addr >= l.vaddr && addr - l.vaddr < l.filesz) return true;
  // .bss lies past filesz; the class object is zero-initialised, so look at section headers too.
  for (const auto& s : static_cast<const ElfFile*>(ctx)->sections())
    if ((s.flags & SHF_ALLOC) && (s.flags & SHF_WRITE) && addr >= s.vaddr && addr - s.vaddr < s.size) return true;
  return false;
}

bool destructor_frees_ex_data(const ElfFile& elf, X86Decoder& decoder, uint64_t vaddr) {
  auto off = elf.vaddr_to_offset(vaddr);
  if (!off) return false;
  uint8_t code[256];
  size_t len = static_cast<size_t>(std::min<uint64_t>(sizeof code, elf.identity().size - *off));
  return elf.read(*off, code, len) && begins_with_ex_data_free(code, len, vaddr, decoder, writable_data, &elf);
}

void note_problem(LocatorDiagnostics* diag, const std::string& what) {
  if (diag && diag->site_problems.size() < kMaxProblemsKept) diag->site_problems.push_back(what);
}

// Translates a confirmed function start into the file offset a uprobe needs.
bool to_file_offset(const ElfFile& elf, uint64_t vaddr, uint64_t* offset) {
  for (const auto& l : elf.load_segments())
    if (vaddr >= l.vaddr && vaddr - l.vaddr < l.filesz) {
      if (!(l.flags & PF_X)) return false;
      *offset = vaddr - l.vaddr + l.offset;
      return true;
    }
  return false;
}

// Reasons that come from failing to read the file rather than from its content.
bool analysis_io_failure(const std::string& reason) {
  return reason.find("truncated") != std::string::npos || reason.find("cannot read") != std::string::npos ||
         reason.find("decoder unavailable") != std::string::npos;
}

BoringSslLocation analyse(const ElfFile& elf, BoringSslLocation loc, LocatorDiagnostics* diag) {
  const ElfSection* text = elf.section(".text");
  if (!text || !(text->flags & SHF_EXECINSTR) || text->size == 0) {
    loc.reason = "no executable .text section";
    return loc;
  }
  StringHits strings = find_strings_ending_with(elf, kSslLibSuffix);
  if (!strings.read_ok) {
    loc.reason = "cannot read read-only data (file truncated?)";
    return loc;
  }
  if (diag) diag->string_count = strings.vaddrs.size();
  if (strings.vaddrs.empty()) {
    loc.reason = "no ssl_lib.cc string";
    return loc;
  }
  std::vector<uint32_t> imms;
  for (uint64_t v : strings.vaddrs)
    if (v <= 0xffffffffu) imms.push_back(static_cast<uint32_t>(v));
  if (imms.empty()) {
    loc.reason = "ssl_lib.cc string lies above 4 GiB: no absolute 32-bit reference possible";
    return loc;
  }
  TextScan scan = scan_text(elf, *text, imms);
  if (!scan.ok) {
    loc.reason = scan.error;
    return loc;
  }
  if (scan.sites.empty()) {
    loc.reason = "no absolute 32-bit references to the ssl_lib.cc string in .text";
    return loc;
  }
  if (scan.sites.size() > kMaxSites) {
    loc.reason = std::to_string(scan.sites.size()) + " possible references to the ssl_lib.cc string: not a BoringSSL build";
    return loc;
  }
  X86Decoder decoder;
  if (!decoder.ok()) {
    loc.reason = "x86-64 decoder unavailable";
    return loc;
  }
  // Sites close together share one window of code; a stray byte match far away gets its own.
  std::vector<std::unique_ptr<Cluster>> clusters;
  for (const ImmediateSite& site : scan.sites) {
    if (clusters.empty() || site.vaddr - clusters.back()->last > kClusterGap ||
        site.vaddr - clusters.back()->first > kMaxClusterSpan) {
      if (clusters.size() >= kMaxClusters) {
        loc.reason = "too many scattered ssl_lib.cc references (" + std::to_string(scan.sites.size()) + ")";
        return loc;
      }
      clusters.push_back(std::make_unique<Cluster>());
      clusters.back()->first = site.vaddr;
    }
    clusters.back()->last = site.vaddr;
    clusters.back()->sites.push_back(site);
  }
  std::map<uint64_t, FunctionEvidence> evidence;
  size_t confirmed = 0, resolved = 0;
  for (auto& cl : clusters) {
    CodeWindow& window = cl->window;
    window.vaddr = std::max(text->vaddr, cl->first >= kMarginBefore ? cl->first - kMarginBefore : 0);
    uint64_t window_end = std::min(text->vaddr + text->size, cl->last + kMarginAfter);
    if (!elf.read(text->offset + (window.vaddr - text->vaddr), window_end - window.vaddr, window.bytes)) {
      loc.reason = "cannot read .text (file truncated?)";
      return loc;
    }
    cl->functions = std::make_unique<FunctionMap>(window, scan.call_targets, decoder);
    for (size_t k = 0; k < cl->sites.size(); ++k) {
      const ImmediateSite& site = cl->sites[k];
      std::string why;
      const DecodedFunction* f = cl->functions->containing(site.vaddr, &why);
      if (!f) {
        // A "41" byte before "b8+r imm32" yields two candidates; the one decoding disproves is
        // expected, so it is not reported as a problem.
        bool overlapping = k + 1 < cl->sites.size() && cl->sites[k + 1].vaddr == site.vaddr + 1;
        if (!overlapping) note_problem(diag, hex(site.vaddr) + ": " + why);
        continue;
      }
      long index = f->index_of(site.vaddr);
      const Insn& in = f->insns[static_cast<size_t>(index)];
      if (in.dst == kNoReg || !in.has_imm || in.imm != site.imm) continue;  // bytes were not this mov
      ++confirmed;
      ErrorSite e = read_error_site(*f, index);
      FunctionEvidence& fe = evidence[f->start];
      if (fe.direct_calls.empty())
        for (const Insn& i : f->insns)
          if (i.direct && (i.kind == InsnKind::kCall ||
                           (i.kind == InsnKind::kJmp && (i.target < f->start || i.target >= f->end))))
            fe.direct_calls.push_back(i.target);
      if (!e.resolved) {
        ++fe.unresolved_sites;
        note_problem(diag, hex(site.vaddr) + ": " + e.why);
        continue;
      }
      if (e.lib >= 0 && e.lib != kErrLibSsl) {
        note_problem(diag, hex(site.vaddr) + ": error library " + std::to_string(e.lib) + " is not SSL");
        continue;
      }
      ++resolved;
      fe.reasons.insert(e.reason);
    }
  }
  if (diag) {
    diag->reference_sites = confirmed;
    diag->resolved_sites = resolved;
    diag->functions = evidence;
  }
  if (confirmed == 0) {
    loc.reason = "no decodable reference to the ssl_lib.cc string";
    return loc;
  }

  Classification c = classify_functions(evidence);
  if (!c.ok) {
    loc.reason = c.reason;
    return loc;
  }
  for (auto [vaddr, name] : {std::pair{c.ssl_write, "SSL_write"}, std::pair{c.ssl_read, "SSL_read"}}) {
    if (!prologue_at(elf, vaddr)) {
      loc.reason = std::string(name) + " candidate " + hex(vaddr) + " lacks the push rbp; mov rbp,rsp prologue";
      return loc;
    }
  }
  if (!to_file_offset(elf, c.ssl_write, &loc.ssl_write) || !to_file_offset(elf, c.ssl_read, &loc.ssl_read)) {
    loc.reason = "function start not in an executable PT_LOAD segment";
    return loc;
  }
  loc.ssl_write_vaddr = c.ssl_write;
  loc.ssl_read_vaddr = c.ssl_read;
  loc.found = true;
  loc.reason = "located from " + std::to_string(resolved) + " ssl_lib.cc error sites";

  if (!c.ssl_new) {
    loc.destructor_reason = c.ssl_new_reason;
  } else {
    std::string why = "not in a decoded window";
    const DecodedFunction* ssl_new = nullptr;
    for (auto& cl : clusters)
      if (cl->window.contains(c.ssl_new)) ssl_new = cl->functions->containing(c.ssl_new, &why);
    DestructorGuess d;
    if (!ssl_new || ssl_new->start != c.ssl_new) d.why = "SSL_new not decodable: " + why;
    else d = find_ssl_destructor(*ssl_new);
    if (d.found && !prologue_at(elf, d.vaddr)) {
      d.found = false;
      d.why = "destructor candidate " + hex(d.vaddr) + " lacks the push rbp; mov rbp,rsp prologue";
    }
    if (d.found && !destructor_frees_ex_data(elf, decoder, d.vaddr)) {
      d.found = false;
      d.why = "destructor candidate " + hex(d.vaddr) + " does not begin by freeing ex_data";
    }
    uint64_t off = 0;
    if (d.found && !to_file_offset(elf, d.vaddr, &off)) {
      d.found = false;
      d.why = "destructor not in an executable PT_LOAD segment";
    }
    if (d.found && (d.vaddr == c.ssl_write || d.vaddr == c.ssl_read)) {
      d.found = false;
      d.why = "destructor candidate coincides with SSL_write/SSL_read";
    }
    if (d.found) {
      loc.destructor_found = true;
      loc.ssl_free_destructor_vaddr = d.vaddr;
      loc.ssl_free_destructor = off;
    } else {
      loc.destructor_reason = d.why;
    }
  }
  return loc;
}

// Analysis of an opened file (headers already validated by ElfFile::open).
BoringSslLocation locate_in(const ElfFile& elf, const std::string& path, LocatorDiagnostics* diag) {
  BoringSslLocation loc;
  loc.definitive = true;
  if (elf.machine() != EM_X86_64) {
    loc.reason = "not x86-64 (e_machine " + std::to_string(elf.machine()) + ")";
  } else if (elf.type() == ET_DYN) {
    loc.reason = "PIE executable: absolute-immediate rule does not apply";
  } else if (elf.type() != ET_EXEC) {
    loc.reason = "not an executable (e_type " + std::to_string(elf.type()) + ")";
  } else {
    loc = analyse(elf, loc, diag);
    loc.definitive = loc.found || !analysis_io_failure(loc.reason);
  }
  loc.build_id = file_key(elf);
  // A binary replaced or rewritten while we read it may mix two versions: never trust that.
  if (!elf.unchanged_on_disk(path)) {
    loc = BoringSslLocation{};
    loc.reason = "file changed during analysis";
  }
  if (!loc.found) {
    loc.ssl_write = loc.ssl_read = loc.ssl_free_destructor = 0;
    loc.ssl_write_vaddr = loc.ssl_read_vaddr = loc.ssl_free_destructor_vaddr = 0;
    loc.destructor_found = false;
  }
  return loc;
}

// A cached success is only reused when the recorded starts still hold the expected prologue.
bool cached_entry_plausible(const ElfFile& elf, const BoringSslLocation& loc) {
  if (!loc.found) return true;
  auto check = [&](uint64_t vaddr, uint64_t offset) {
    uint64_t now = 0;
    return to_file_offset(elf, vaddr, &now) && now == offset && prologue_at(elf, vaddr);
  };
  return check(loc.ssl_write_vaddr, loc.ssl_write) && check(loc.ssl_read_vaddr, loc.ssl_read) &&
         (!loc.destructor_found || check(loc.ssl_free_destructor_vaddr, loc.ssl_free_destructor));
}

}  // namespace

BoringSslLocation locate_boringssl(const std::string& path, LocatorDiagnostics* diag) {
  Timer timer;
  BoringSslLocation loc;
  ElfFile elf;
  if (!elf.open(path)) loc.reason = elf.error();
  else loc = locate_in(elf, path, diag);
  loc.analysis_seconds = timer.seconds();
  return loc;
}

namespace {

// A cached result usable for the open file `elf` at `path`, or nullopt.
std::optional<BoringSslLocation> cached_for(const ElfFile& elf, const std::string& path, const std::string& cache_dir) {
  std::optional<BoringSslLocation> hit = LocationCache(cache_dir).load(file_key(elf));
  if (!hit || !cached_entry_plausible(elf, *hit) || !elf.unchanged_on_disk(path)) return std::nullopt;
  hit->from_cache = true;
  return hit;
}

}  // namespace

std::optional<BoringSslLocation> cached_boringssl_location(const std::string& path, const std::string& cache_dir) {
  Timer timer;
  ElfFile elf;
  if (!elf.open(path)) return std::nullopt;
  std::optional<BoringSslLocation> hit = cached_for(elf, path, cache_dir);
  if (hit) hit->analysis_seconds = timer.seconds();
  return hit;
}

BoringSslLocation locate_boringssl_cached(const std::string& path, const std::string& cache_dir) {
  Timer timer;
  BoringSslLocation loc;
  ElfFile elf;
  if (!elf.open(path)) {
    loc.reason = elf.error();
    loc.analysis_seconds = timer.seconds();
    return loc;
  }
  if (auto hit = cached_for(elf, path, cache_dir)) {
    loc = *hit;
  } else {
    loc = locate_in(elf, path, nullptr);
    if (loc.definitive) LocationCache(cache_dir).store(file_key(elf), loc);
  }
  loc.analysis_seconds = timer.seconds();
  return loc;
}

bool may_embed_boringssl(const std::string& path) {
  ElfFile elf;
  if (!elf.open(path) || elf.machine() != EM_X86_64) return false;
  if (!readonly_data_contains(elf, kSslLibSuffix)) return false;
  return !exports_ssl_write(elf);
}


}  // namespace agentprof::boringssl
