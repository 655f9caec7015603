// Finds where to probe Go's crypto/tls in an x86-64 Go executable (Go >= 1.17, register ABI),
// from .gopclntab so binaries stripped with -ldflags='-s -w' work. Entries are probed on the
// prologue's stack-check branch (stack_check.h); returns by uprobes on every RET instruction
// (uretprobes rewrite the return address, which breaks Go's stack copying).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace agentprof::gotls {

struct GoFunctionProbes {
  std::string name;
  uint64_t entry_vaddr = 0;
  uint64_t entry = 0;             // file offset of the first instruction
  // File offset of the entry probe: the jbe of the prologue's stack check when recognised (see
  // stack_check.h: a stack-growth restart is then seen once), else `entry`.
  uint64_t entry_probe = 0;
  bool entry_at_stack_check = false;
  std::vector<uint64_t> rets;     // file offsets of every RET inside the function
};

struct GoTlsLocation {
  bool found = false;
  std::string reason;      // why not found, or a short note of what was found
  std::string go_version;  // "go1.19.8"; empty when the binary does not say
  GoFunctionProbes write;  // crypto/tls.(*Conn).Write
  GoFunctionProbes read;   // crypto/tls.(*Conn).Read
  bool has_close = false;  // crypto/tls.(*Conn).Close (entry only): connection end
  GoFunctionProbes close;
  std::string key;         // cache key (go_binary_key)
  // The result follows from the file's content alone (not from a read error or a concurrent
  // change), so it may be cached under `key`.
  bool definitive = false;
  bool from_cache = false;
  double analysis_seconds = 0;
};

// Cheap test (section names only): does this ELF look like a Go program?
bool is_go_binary(const std::string& path);

// Full analysis. Exactly one answer per function or found == false with a reason: never a guess.
GoTlsLocation locate_go_tls(const std::string& path);

// Analysis through the cache in `cache_dir` (created when missing): a hit costs the ELF headers, the
// build id note and a few bytes per probe site (each recorded RET must still be a RET); a miss
// analyses and stores definitive results. A corrupt or stale entry is ignored and replaced.
inline constexpr const char* kDefaultGoCacheDir = "/var/cache/agentprof/go";
GoTlsLocation locate_go_tls_cached(const std::string& path, const std::string& cache_dir = kDefaultGoCacheDir);

// Only the cache: the entry for this file when one exists and still fits it, else nullopt, without
// analysing. Entries exist only for Go binaries that went through the analysis.
std::optional<GoTlsLocation> cached_go_tls_location(const std::string& path,
                                                    const std::string& cache_dir = kDefaultGoCacheDir);

}  // namespace agentprof::gotls
