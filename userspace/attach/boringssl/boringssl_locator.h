// Finds SSL_write, SSL_read and the ssl_st destructor inside a stripped executable that links
// BoringSSL statically (Bun, Claude Code), from the error-report sites in ssl_lib.cc and their
// public reason codes. Exactly one confirmed candidate per function, or a precise refusal.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace agentprof::boringssl {

struct BoringSslLocation {
  bool found = false;         // SSL_write and SSL_read located with certainty
  std::string reason;         // why not (or a short summary when found)
  uint64_t ssl_write = 0;     // FILE offsets, as uprobes need
  uint64_t ssl_read = 0;
  uint64_t ssl_free_destructor = 0;
  uint64_t ssl_write_vaddr = 0;
  uint64_t ssl_read_vaddr = 0;
  uint64_t ssl_free_destructor_vaddr = 0;
  bool destructor_found = false;    // the destructor is optional: found may be true without it
  std::string destructor_reason;    // why it is absent
  std::string build_id;             // GNU build id (hex), or "file-<hash>" when the binary has none
  double analysis_seconds = 0;
  bool from_cache = false;
  // The result follows from the file's content alone (not from an I/O error or a concurrent
  // replacement), so it may be cached under build_id.
  bool definitive = false;
};

// Per-function evidence, exposed for diagnostics (`agentprof doctor`, the locate tool, tests).
struct FunctionEvidence {
  std::set<uint32_t> reasons;
  size_t unresolved_sites = 0;
  std::vector<uint64_t> direct_calls;  // targets of direct calls and tail jumps
};

struct LocatorDiagnostics {
  size_t string_count = 0;
  size_t reference_sites = 0;      // confirmed mov-immediate instructions loading the string
  size_t resolved_sites = 0;
  std::vector<std::string> site_problems;  // first few reasons sites were not used
  std::map<uint64_t, FunctionEvidence> functions;  // by start vaddr
};

// Full analysis (no cache). `diag` may be null.
BoringSslLocation locate_boringssl(const std::string& path, LocatorDiagnostics* diag = nullptr);

// Analysis through the cache in `cache_dir` (created when missing): a hit costs a few header reads;
// a miss analyses and stores definitive results. A corrupt or stale entry is ignored and replaced.
inline constexpr const char* kDefaultCacheDir = "/var/cache/agentprof/boringssl";
BoringSslLocation locate_boringssl_cached(const std::string& path, const std::string& cache_dir = kDefaultCacheDir);

// Only the cache: the entry for this file when one exists and still fits it (as above), else
// nullopt, without analysing. Entries exist only for files that went through the analysis, so a hit
// also says the cheaper pre-checks (symbols, may_embed_boringssl) need not run again.
std::optional<BoringSslLocation> cached_boringssl_location(const std::string& path,
                                                           const std::string& cache_dir = kDefaultCacheDir);

// Cheap pre-check: x86-64 ELF executable whose read-only data holds ".../ssl/ssl_lib.cc" and whose
// dynamic symbols do not export SSL_write (then the ordinary symbol path applies instead).
bool may_embed_boringssl(const std::string& path);

}  // namespace agentprof::boringssl
