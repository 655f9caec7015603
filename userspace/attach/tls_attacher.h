// Finds TLS libraries (libssl.so.*, executables exporting SSL_*) and attaches the TLS probes to
// each file once (by device and inode): uprobes are per file, so every process mapping it —
// running now or started later — is covered, with scope filtering done in the kernel.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "capture/bpf_loader.h"

struct bpf_link;

namespace agentprof {

struct TlsTarget {
  std::string path;        // path agentprof opened (may go through /proc/PID/root)
  std::string seen_as;     // path inside the process's namespace
  uint32_t first_pid = 0;  // 0 when found in a library directory
  std::vector<std::string> functions;  // functions probed
  int probes = 0;
  std::string error;       // why nothing was attached
  std::string kind = "exported SSL_* symbols";  // how the functions were found
  std::string note;        // caveats (e.g. no connection-end probe)
};

class TlsAttacher {
 public:
  explicit TlsAttacher(TlsPrograms programs) : programs_(programs) {}
  ~TlsAttacher();
  TlsAttacher(const TlsAttacher&) = delete;
  TlsAttacher& operator=(const TlsAttacher&) = delete;

  // libssl.so.* in the standard library directories (before any process maps them).
  void scan_library_dirs();
  // Every TLS-capable file mapped by `pid` (its executable and libraries).
  void scan_process(uint32_t pid);
  // Examines one file; attaches if it exports SSL_write/SSL_read. Idempotent per (dev, inode).
  void consider_file(const std::string& path, const std::string& seen_as, uint32_t pid);

  const std::vector<TlsTarget>& targets() const { return targets_; }
  // Where results of the stripped-BoringSSL analysis are cached (by build id).
  void set_boringssl_cache_dir(std::string dir) { boringssl_cache_dir_ = std::move(dir); }
  // Enables Go crypto/tls probing of Go executables (located from .gopclntab).
  void set_go_tls_programs(GoTlsPrograms programs) {
    go_programs_ = programs;
    have_go_programs_ = true;
  }
  int probes_attached() const { return probes_attached_; }
  int attach_failures() const { return attach_failures_; }

 private:
  void attach_stripped_boringssl(const std::string& path, const std::string& shown, uint32_t pid);
  void attach_go_crypto_tls(const std::string& path, const std::string& shown, uint32_t pid);

  TlsPrograms programs_;
  GoTlsPrograms go_programs_{};
  bool have_go_programs_ = false;
  std::string boringssl_cache_dir_ = "/var/cache/agentprof/boringssl";
  std::set<std::pair<dev_t, ino_t>> examined_;
  std::vector<TlsTarget> targets_;
  std::vector<bpf_link*> links_;
  int probes_attached_ = 0;
  int attach_failures_ = 0;
};

// True for file names that may hold a TLS library: libssl*, libboringssl*, libnode*, or anything
// whose ELF may export SSL_* (the caller decides which mapped files to examine).
bool looks_like_tls_library(const std::string& path);

}  // namespace agentprof
