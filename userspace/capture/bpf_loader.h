// Loads agentprof's BPF objects into the kernel, with one shared instance of every map, and
// attaches the tracepoint programs. Uprobes are attached later, per file, by attach/.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct bpf_program;
struct ap_file_key;
struct ring_buffer;

namespace agentprof {

struct ScopeFilter {
  std::vector<uint32_t> pids;  // with descendants
  std::string comm;
  std::string cgroup_path;     // cgroup v2 directory
};

struct LoaderOptions {
  ScopeFilter scope;
  std::vector<uint16_t> capture_ports = {11434, 8000, 8080, 1234};
  bool capture_sockets = true;
  uint32_t ringbuf_bytes = 16u << 20;
  // Sizes the maps of the exec hold (--hold-new-executables: stop a process that execs, or maps a
  // TLS-looking library from, a file not examined yet until userspace resumes it). The hold itself
  // starts off: set_hold_enabled() turns it on once userspace is ready to resume what it stops.
  bool hold_new_files = false;
};

// Sizes of the hold maps when the hold is on (1 entry each when it is off).
inline constexpr uint32_t kExaminedFilesMax = 65536;
inline constexpr uint32_t kHeldProcessesMax = 4096;

// The programs a TLS library's functions are probed with.
struct TlsPrograms {
  bpf_program* write_enter;
  bpf_program* write_exit;
  bpf_program* read_enter;
  bpf_program* read_exit;
  bpf_program* write_ex_enter;
  bpf_program* write_ex_exit;
  bpf_program* read_ex_enter;
  bpf_program* read_ex_exit;
  bpf_program* close_enter;
  // Call-site placement (bpf/tls.bpf.c): at a wrapper's call into its implementation, with an
  // attach cookie (AP_CALLSITE_*), and the implementation's return.
  bpf_program* callsite_enter;
  bpf_program* impl_exit;
};

// The programs Go crypto/tls is probed with (bpf/go_tls.bpf.c): entries of (*Conn).Write/Read, every
// RET inside them, and the entry of (*Conn).Close.
struct GoTlsPrograms {
  bpf_program* write_enter;
  bpf_program* read_enter;
  bpf_program* ret;
  bpf_program* close_enter;
};

class BpfLoader {
 public:
  BpfLoader();
  ~BpfLoader();
  // Opens, loads and attaches the tracepoints. On failure returns false and sets error().
  bool load(const LoaderOptions& options);
  const std::string& error() const { return error_; }

  int ringbuf_fd() const;
  TlsPrograms tls_programs() const;
  GoTlsPrograms go_tls_programs() const;
  // Adds a process to the --pid scope (descendants follow in the kernel).
  bool add_traced_pid(uint32_t pid);
  // Registers an already-open socket (found by the /proc scan) for plaintext capture.
  bool track_existing_socket(uint32_t tgid, int fd);
  // Forgets kernel-side connection state (positions, generations) of a process that exited.
  void forget_connection(uint32_t tgid, uint8_t source, uint64_t id);
  // Exec hold: files examined so far (kernel identity), the held-process table, on/off.
  bool mark_examined(const ap_file_key& key);
  int held_tgids_fd() const;
  int config_fd() const;
  bool set_hold_enabled(bool on);
  // Sum over CPUs of every counter in bpf/events.h's enum ap_stat.
  std::vector<uint64_t> read_stats() const;
  int tracepoints_attached() const { return tracepoints_attached_; }

 private:
  struct Skeletons;
  std::unique_ptr<Skeletons> skels_;
  std::string error_;
  int tracepoints_attached_ = 0;
};

}  // namespace agentprof
