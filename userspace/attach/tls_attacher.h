// Finds TLS libraries (libssl.so.*, executables exporting SSL_*) and attaches the TLS probes to
// each file once (by device and inode): uprobes are per file, so every process mapping it —
// running now or started later — is covered, with scope filtering done in the kernel.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "capture/bpf_loader.h"
#include "events.h"

struct bpf_link;

namespace agentprof {

struct MappedFile;
class PinnedFile;
namespace boringssl {
struct BoringSslLocation;
}
namespace gotls {
struct GoTlsLocation;
}

struct TlsTarget {
  std::string path;        // path agentprof opened (may go through /proc/PID/root)
  std::string seen_as;     // path inside the process's namespace
  uint32_t first_pid = 0;  // 0 when found in a library directory
  std::vector<std::string> functions;  // functions probed
  int probes = 0;
  std::string error;       // why nothing was attached
  std::string kind = "exported SSL_* symbols";  // how the functions were found
  std::string note;        // caveats (e.g. no connection-end probe)
  // CLOCK_MONOTONIC ns: the exec event that led here (0 when found by a scan) and when examining
  // and attaching finished — their difference is how long a new program ran unprobed.
  uint64_t exec_ns = 0;
  uint64_t attached_ns = 0;
  bool replaced = false;   // refused: the process maps a file that was replaced or deleted on disk
};

class TlsAttacher {
 public:
  explicit TlsAttacher(TlsPrograms programs) : programs_(programs) {}
  ~TlsAttacher();
  TlsAttacher(const TlsAttacher&) = delete;
  TlsAttacher& operator=(const TlsAttacher&) = delete;

  // libssl.so.* in the standard library directories (before any process maps them), on the host or,
  // with `root` = "/proc/PID/root", in that process's root directory.
  void scan_library_dirs(const std::string& root = "");
  // scan_process() also scans the library directories of each container root it meets (default on).
  void set_scan_container_roots(bool on) { scan_container_roots_ = on; }
  // Every TLS-capable file mapped by `pid` (its executable and libraries). `exec_ns` is the time of
  // the exec event that prompted the scan (0 for other scans), recorded in new targets. A mapping
  // whose file was replaced or deleted on disk since it was mapped is refused with a reason.
  void scan_process(uint32_t pid, uint64_t exec_ns = 0);
  // Examines one file; attaches if it exports SSL_write/SSL_read. Idempotent per (dev, inode).
  // The file is opened once and analysed and probed through that descriptor (see PinnedFile).
  void consider_file(const std::string& path, const std::string& seen_as, uint32_t pid);

  const std::vector<TlsTarget>& targets() const { return targets_; }
  // Where results of the stripped-BoringSSL analysis are cached (by build id).
  void set_boringssl_cache_dir(std::string dir) { boringssl_cache_dir_ = std::move(dir); }
  // Where results of the Go crypto/tls analysis are cached (by build id).
  void set_go_cache_dir(std::string dir) { go_cache_dir_ = std::move(dir); }
  // Enables Go crypto/tls probing of Go executables (located from .gopclntab).
  void set_go_tls_programs(GoTlsPrograms programs) {
    go_programs_ = programs;
    have_go_programs_ = true;
  }
  // Called with the kernel identity of every file scan_process() or consider_file() has examined
  // (or refused), each time it meets it again too: the exec hold skips those files.
  void set_examined_listener(std::function<void(const ap_file_key&)> listener) {
    examined_listener_ = std::move(listener);
  }
  int probes_attached() const { return probes_attached_; }
  int attach_failures() const { return attach_failures_; }

 private:
  void consider_mapping(uint32_t pid, const MappedFile& mapping, bool is_exe);
  // False when the file changed on disk while it was examined (nothing stays attached).
  bool examine_pinned(const PinnedFile& file, const std::string& display_path, const std::string& seen_as,
                      uint32_t pid);
  // `path` is the pinned /proc/self/fd/N of the file; `shown` what the user knows it as.
  void examine_file(const std::string& path, const std::string& shown, uint32_t pid);
  // Would this file be probed if it were the one mapped? (Used to decide whether a refusal is news.)
  bool is_tls_capable(const std::string& path) const;
  void attach_stripped_boringssl(const std::string& path, const std::string& shown, uint32_t pid);
  void attach_go_crypto_tls(const std::string& path, const std::string& shown, uint32_t pid);
  void attach_boringssl_location(const std::string& path, const std::string& shown, uint32_t pid,
                                 const boringssl::BoringSslLocation& loc);
  void attach_go_location(const std::string& path, const std::string& shown, uint32_t pid,
                          const gotls::GoTlsLocation& loc);

  TlsPrograms programs_;
  GoTlsPrograms go_programs_{};
  bool have_go_programs_ = false;
  std::string boringssl_cache_dir_ = "/var/cache/agentprof/boringssl";
  std::string go_cache_dir_ = "/var/cache/agentprof/go";
  void scan_root_of(uint32_t pid);
  // One uprobe (retprobe: uretprobe) at `offset` of `path`, recorded on `target`; false (error noted
  // on the target, failure counted) when the kernel refuses it.
  bool attach_probe(TlsTarget& target, const std::string& path, const char* function, bpf_program* program,
                    bool retprobe, uint64_t offset, uint64_t cookie);

  void note_examined(const ap_file_key& key) const {
    if (examined_listener_) examined_listener_(key);
  }

  std::function<void(const ap_file_key&)> examined_listener_;
  std::set<std::pair<dev_t, ino_t>> examined_;
  std::set<std::pair<dev_t, ino_t>> scanned_roots_;  // container roots whose library dirs were scanned
  bool scan_container_roots_ = true;
  std::set<std::pair<dev_t, ino_t>> refused_;  // mapped files refused as replaced (device from maps)
  uint64_t exec_ns_ = 0;                        // exec event of the scan in progress
  std::vector<TlsTarget> targets_;
  std::vector<bpf_link*> links_;
  int probes_attached_ = 0;
  int attach_failures_ = 0;
};

// True for file names that may hold a TLS library: libssl*, libboringssl*, libnode*, or anything
// whose ELF may export SSL_* (the caller decides which mapped files to examine).
bool looks_like_tls_library(const std::string& path);

}  // namespace agentprof
