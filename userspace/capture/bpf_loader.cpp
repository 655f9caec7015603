#include "capture/bpf_loader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "capture/tracefs.h"
#include "events.h"
#include "go_tls.skel.h"
#include "proc.skel.h"
#include "sock.skel.h"
#include "tls.skel.h"

namespace agentprof {

// Mirror of bpf/common.bpf.h's conn_key (map key layout).
struct ConnKeyAbi {
  uint32_t tgid;
  uint8_t source;
  uint8_t pad[3];
  uint64_t id;
};
struct ConnStateAbi {
  uint64_t generation;
  uint64_t pos[2];
  int32_t fd;
  uint32_t flags;
};

struct BpfLoader::Skeletons {
  proc_bpf* proc = nullptr;
  tls_bpf* tls = nullptr;
  sock_bpf* sock = nullptr;
  go_tls_bpf* go_tls = nullptr;
  ~Skeletons() {
    if (go_tls) go_tls_bpf__destroy(go_tls);
    if (sock) sock_bpf__destroy(sock);
    if (tls) tls_bpf__destroy(tls);
    if (proc) proc_bpf__destroy(proc);
  }
};

BpfLoader::BpfLoader() : skels_(std::make_unique<Skeletons>()) {}
BpfLoader::~BpfLoader() = default;

namespace {

// Makes `map` (of a later object) use the instance already created by the first object.
bool share_map(bpf_map* map, bpf_map* owner, std::string& error) {
  int err = bpf_map__reuse_fd(map, bpf_map__fd(owner));
  if (err) {
    error = std::string("sharing map ") + bpf_map__name(map) + ": " + strerror(-err);
    return false;
  }
  return true;
}

template <typename Skel>
bool share_common_maps(Skel* s, proc_bpf* owner, std::string& error) {
  return share_map(s->maps.events, owner->maps.events, error) &&
         share_map(s->maps.ap_config_map, owner->maps.ap_config_map, error) &&
         share_map(s->maps.traced_tgids, owner->maps.traced_tgids, error) &&
         share_map(s->maps.stats, owner->maps.stats, error) &&
         share_map(s->maps.capture_ports, owner->maps.capture_ports, error) &&
         share_map(s->maps.conns, owner->maps.conns, error) &&
         share_map(s->maps.generation_counter, owner->maps.generation_counter, error) &&
         share_map(s->maps.ssl_calls, owner->maps.ssl_calls, error) &&
         share_map(s->maps.sock_calls, owner->maps.sock_calls, error) &&
         share_map(s->maps.data_scratch, owner->maps.data_scratch, error);
}

std::string errno_text(int err) { return strerror(err < 0 ? -err : err); }

}  // namespace

bool BpfLoader::load(const LoaderOptions& options) {
  libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
  Skeletons& s = *skels_;
  s.proc = proc_bpf__open();
  if (!s.proc) {
    error_ = "opening proc.bpf.o: " + errno_text(errno);
    return false;
  }
  // Ring buffer size must be a power-of-two multiple of the page size.
  uint32_t rb = 1u << 20;
  while (rb < options.ringbuf_bytes && rb < (1u << 30)) rb <<= 1;
  bpf_map__set_max_entries(s.proc->maps.events, rb);
  if (options.hold_new_files) {
    bpf_map__set_max_entries(s.proc->maps.examined_files, kExaminedFilesMax);
    bpf_map__set_max_entries(s.proc->maps.held_tgids, kHeldProcessesMax);
  }
  if (int err = proc_bpf__load(s.proc)) {
    error_ = "loading proc.bpf.o into the kernel: " + errno_text(err) +
             " (needs root or CAP_BPF+CAP_PERFMON, and a kernel with BTF)";
    return false;
  }

  s.tls = tls_bpf__open();
  s.sock = sock_bpf__open();
  if (!s.tls || !s.sock) {
    error_ = "opening tls/sock BPF objects: " + errno_text(errno);
    return false;
  }
  if (!share_common_maps(s.tls, s.proc, error_) || !share_common_maps(s.sock, s.proc, error_))
    return false;
  if (int err = tls_bpf__load(s.tls)) {
    error_ = "loading tls.bpf.o: " + errno_text(err);
    return false;
  }
  if (int err = sock_bpf__load(s.sock)) {
    error_ = "loading sock.bpf.o: " + errno_text(err);
    return false;
  }
  s.go_tls = go_tls_bpf__open();
  if (!s.go_tls) {
    error_ = "opening go_tls BPF object: " + errno_text(errno);
    return false;
  }
  if (!share_common_maps(s.go_tls, s.proc, error_)) return false;
  if (int err = go_tls_bpf__load(s.go_tls)) {
    error_ = "loading go_tls.bpf.o: " + errno_text(err);
    return false;
  }

  // Configuration before any program runs.
  ap_config cfg{};
  cfg.self_tgid = uint32_t(getpid());
  cfg.capture_sockets = options.capture_sockets ? 1 : 0;
  if (!options.scope.pids.empty()) cfg.filter |= AP_FILTER_PID;
  if (!options.scope.comm.empty()) {
    cfg.filter |= AP_FILTER_COMM;
    strncpy(cfg.comm, options.scope.comm.c_str(), AP_COMM_LEN - 1);
  }
  if (!options.scope.cgroup_path.empty()) {
    struct stat st;
    if (stat(options.scope.cgroup_path.c_str(), &st) != 0) {
      error_ = "cgroup " + options.scope.cgroup_path + ": " + strerror(errno);
      return false;
    }
    cfg.filter |= AP_FILTER_CGROUP;
    cfg.cgroup_id = st.st_ino;  // cgroup v2: the directory's inode number is the cgroup id
  }
  for (uint32_t pid : options.scope.pids) add_traced_pid(pid);
  for (uint16_t port : options.capture_ports) {
    uint8_t one = 1;
    bpf_map__update_elem(s.proc->maps.capture_ports, &port, sizeof(port), &one, sizeof(one), BPF_ANY);
  }
  uint32_t zero = 0;
  if (int err = bpf_map__update_elem(s.proc->maps.ap_config_map, &zero, sizeof(zero), &cfg,
                                     sizeof(cfg), BPF_ANY)) {
    error_ = "writing config map: " + errno_text(err);
    return false;
  }

  if (!ensure_tracefs(error_)) return false;
  if (int err = proc_bpf__attach(s.proc)) {
    error_ = "attaching sched tracepoints: " + errno_text(err);
    return false;
  }
  if (int err = sock_bpf__attach(s.sock)) {
    error_ = "attaching syscall tracepoints: " + errno_text(err);
    return false;
  }
  // Derived from the objects, not hand-counted: every tracepoint program was attached above.
  tracepoints_attached_ = 0;
  for (bpf_object* obj : {s.proc->obj, s.sock->obj}) {
    bpf_program* prog;
    bpf_object__for_each_program(prog, obj) {
      if (bpf_program__type(prog) == BPF_PROG_TYPE_TRACEPOINT) tracepoints_attached_++;
    }
  }
  return true;
}

int BpfLoader::ringbuf_fd() const { return bpf_map__fd(skels_->proc->maps.events); }

TlsPrograms BpfLoader::tls_programs() const {
  const auto* p = &skels_->tls->progs;
  return TlsPrograms{p->ssl_write_enter,    p->ssl_write_exit,    p->ssl_read_enter,
                     p->ssl_read_exit,      p->ssl_write_ex_enter, p->ssl_write_ex_exit,
                     p->ssl_read_ex_enter,  p->ssl_read_ex_exit,  p->ssl_close_enter,
                     p->ssl_callsite_enter, p->ssl_impl_exit};
}

GoTlsPrograms BpfLoader::go_tls_programs() const {
  const auto* p = &skels_->go_tls->progs;
  return GoTlsPrograms{p->go_tls_write_enter, p->go_tls_read_enter, p->go_tls_return,
                       p->go_tls_close_enter};
}

bool BpfLoader::add_traced_pid(uint32_t pid) {
  uint8_t one = 1;
  return bpf_map__update_elem(skels_->proc->maps.traced_tgids, &pid, sizeof(pid), &one,
                              sizeof(one), BPF_ANY) == 0;
}

bool BpfLoader::track_existing_socket(uint32_t tgid, int fd) {
  ConnKeyAbi key{};
  key.tgid = tgid;
  key.source = AP_SRC_SOCK;
  key.id = uint64_t(fd);
  ConnStateAbi state{};
  // Generations from userspace live in the top half so they never collide with the kernel's counter.
  static uint64_t next = 1ull << 63;
  state.generation = next++;
  state.fd = fd;
  return bpf_map__update_elem(skels_->proc->maps.conns, &key, sizeof(key), &state, sizeof(state),
                              BPF_NOEXIST) == 0;
}

void BpfLoader::forget_connection(uint32_t tgid, uint8_t source, uint64_t id) {
  ConnKeyAbi key{};
  key.tgid = tgid;
  key.source = source;
  key.id = id;
  bpf_map__delete_elem(skels_->proc->maps.conns, &key, sizeof(key), 0);
}

bool BpfLoader::mark_examined(const ap_file_key& key) {
  uint8_t one = 1;
  return bpf_map__update_elem(skels_->proc->maps.examined_files, &key, sizeof(key), &one, sizeof(one),
                              BPF_ANY) == 0;
}

int BpfLoader::held_tgids_fd() const { return bpf_map__fd(skels_->proc->maps.held_tgids); }
int BpfLoader::config_fd() const { return bpf_map__fd(skels_->proc->maps.ap_config_map); }

bool BpfLoader::set_hold_enabled(bool on) {
  uint32_t zero = 0;
  ap_config cfg{};
  if (bpf_map__lookup_elem(skels_->proc->maps.ap_config_map, &zero, sizeof(zero), &cfg, sizeof(cfg), 0) != 0)
    return false;
  cfg.hold_new_files = on ? 1 : 0;
  return bpf_map__update_elem(skels_->proc->maps.ap_config_map, &zero, sizeof(zero), &cfg, sizeof(cfg),
                              BPF_ANY) == 0;
}

std::vector<uint64_t> BpfLoader::read_stats() const {
  std::vector<uint64_t> totals(AP_STAT_COUNT, 0);
  int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) return totals;
  std::vector<uint64_t> per_cpu(static_cast<size_t>(ncpu), 0);
  for (uint32_t i = 0; i < AP_STAT_COUNT; i++) {
    if (bpf_map__lookup_elem(skels_->proc->maps.stats, &i, sizeof(i), per_cpu.data(),
                             per_cpu.size() * sizeof(uint64_t), 0) == 0) {
      for (uint64_t v : per_cpu) totals[i] += v;
    }
  }
  return totals;
}

}  // namespace agentprof
