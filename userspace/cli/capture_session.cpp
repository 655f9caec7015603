#include "cli/capture_session.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <csignal>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <exception>
#include <map>
#include <set>

#include "attach/proc_files.h"
#include "attach/tls_attacher.h"
#include "capture/bpf_loader.h"
#include "capture/capture_router.h"
#include "capture/held_table.h"
#include "capture/hold_guardian.h"
#include "capture/hold_releaser.h"
#include "capture/record_decoder.h"
#include "capture/stop_state.h"
#include "cli/loss_report.h"
#include "events.h"
#include "stream/stream_table.h"

namespace agentprof {

uint64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
}

bool can_use_bpf(std::string& error) {
  int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "ap_probe", 4, 4, 1, nullptr);
  if (fd >= 0) {
    close(fd);
    return true;
  }
  error = std::string("cannot load BPF programs: ") + strerror(errno) +
          " (run as root, or grant CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)";
  return false;
}

namespace {

// Processes that exec'd recently are re-examined a few times: libraries they load after start
// appear in their maps only later (the mmap event covers most, this covers the rest).
class RescanSchedule {
 public:
  void add(uint32_t pid, uint64_t now) {
    for (uint64_t delay_ms : {30, 250, 1000, 3000}) due_.emplace(now + delay_ms * 1'000'000, pid);
  }
  template <typename F>
  void run_due(uint64_t now, F&& scan) {
    while (!due_.empty() && due_.begin()->first <= now) {
      uint32_t pid = due_.begin()->second;
      due_.erase(due_.begin());
      scan(pid);
    }
  }

 private:
  std::multimap<uint64_t, uint32_t> due_;
};

// One line on stderr per file examined after start-up: what was probed and how long after the exec
// that started the program (a request made before that moment is not seen), or why not.
void report_target(const TlsTarget& t) {
  const std::string& name = t.seen_as.empty() ? t.path : t.seen_as;
  if (!t.error.empty()) {
    fprintf(stderr, "agentprof: not probed %s (pid %u): %s\n", name.c_str(), t.first_pid, t.error.c_str());
    return;
  }
  char after_exec[64] = "";
  if (t.exec_ns && t.attached_ns >= t.exec_ns)
    snprintf(after_exec, sizeof(after_exec), ", %.1f ms after exec", double(t.attached_ns - t.exec_ns) / 1e6);
  fprintf(stderr, "agentprof: probed %s (pid %u): %d probes%s; %s\n", name.c_str(), t.first_pid, t.probes,
          after_exec, t.kind.c_str());
}

void report_new_targets(const TlsAttacher& attacher, size_t known) {
  for (size_t i = known; i < attacher.targets().size(); ++i) report_target(attacher.targets()[i]);
}

// Examines what `pid` maps; never throws, so a held process is always resumed afterwards.
void examine_process(TlsAttacher& attacher, uint32_t pid, uint64_t exec_ns = 0) {
  try {
    attacher.scan_process(pid, exec_ns);
  } catch (const std::exception& e) {
    fprintf(stderr, "agentprof: examining pid %u failed: %s\n", pid, e.what());
  }
}

// A held process whose examination is over. Without a releaser (cannot happen: the kernel holds only
// when the hold is on) it is still resumed rather than left stopped.
void end_hold(HoldReleaser* releaser, uint32_t pid) {
  if (releaser) releaser->release(pid, monotonic_ns());
  else kill(pid_t(pid), SIGCONT);
}

// How long a process may stay held: beyond it the watchdog resumes it unprobed.
constexpr uint64_t kHoldLimitNs = 2'000'000'000;
// How long to wait for a thread held in mmap to reach its stop (its mapping is complete then).
constexpr int kMmapStopWaitMs = 200;

struct RingContext {
  CaptureHandler* handler;
  DecodeStats* stats;
};

int on_record(void* ctx, void* data, size_t size) {
  auto* rc = static_cast<RingContext*>(ctx);
  decode_record(data, size, *rc->handler, *rc->stats);
  return 0;
}

}  // namespace

struct CaptureSession::Impl {
  BpfLoader loader;
  std::unique_ptr<BpfHeldTable> held_table;
  std::unique_ptr<HoldReleaser> releaser;  // set with --hold-new-executables
  HoldGuardian guardian;
  std::unique_ptr<StreamTable> streams;
  std::unique_ptr<TlsAttacher> attacher;
  std::unique_ptr<CaptureRouter> router;
  RescanSchedule rescans;
  DecodeStats decode_stats;
  RingContext rc{};
  ring_buffer* rb = nullptr;
  size_t scope_size = 0;
  int existing_sockets = 0;
  uint64_t last_tick = 0;
  // Whatever way the session ends, nothing it stopped stays stopped (finish() normally did this).
  void end_all_holds() {
    if (!releaser) return;
    loader.set_hold_enabled(false);
    releaser->stop_watchdog();
    releaser->release_all(monotonic_ns());
  }
  ~Impl() {
    end_all_holds();
    guardian.stop();
    if (rb) ring_buffer__free(rb);
  }
};

CaptureSession::CaptureSession() : impl_(std::make_unique<Impl>()) {}
CaptureSession::~CaptureSession() = default;

bool CaptureSession::start(const CaptureOptions& o, StreamSink& sink, std::string& error) {
  Impl& s = *impl_;
  libbpf_set_print([](enum libbpf_print_level level, const char* fmt, va_list args) -> int {
    if (level == LIBBPF_WARN || getenv("AGENTPROF_LIBBPF_DEBUG")) return vfprintf(stderr, fmt, args);
    return 0;
  });
  LoaderOptions lo;
  lo.scope.pids = o.pids;
  lo.scope.comm = o.comm;
  lo.scope.cgroup_path = o.cgroup;
  lo.capture_ports = o.ports;
  lo.capture_sockets = !o.no_sockets;
  lo.ringbuf_bytes = o.ringbuf_mb << 20;
  lo.hold_new_files = o.hold_new_executables;
  if (!s.loader.load(lo)) {
    error = "cannot load BPF programs: " + s.loader.error();
    return false;
  }
  // --pid: the processes and the descendants they already have (later ones follow in the kernel).
  // --comm/--cgroup are enforced in the kernel; every process is examined for TLS libraries.
  std::vector<uint32_t> scope_pids = o.pids.empty() ? list_pids() : descendants_of(o.pids);
  if (!o.pids.empty())
    for (uint32_t pid : scope_pids) s.loader.add_traced_pid(pid);
  s.scope_size = scope_pids.size();

  s.streams = std::make_unique<StreamTable>(sink);
  s.attacher = std::make_unique<TlsAttacher>(s.loader.tls_programs());
  TlsAttacher& attacher = *s.attacher;
  attacher.set_go_tls_programs(s.loader.go_tls_programs());
  BpfLoader& loader = s.loader;
  RescanSchedule& rescans = s.rescans;
  if (o.hold_new_executables) {
    // The guardian first: from the moment the kernel may stop a process, something outlives
    // agentprof to resume it.
    if (!s.guardian.start(loader.held_tgids_fd(), loader.config_fd(), error)) return false;
    s.held_table = std::make_unique<BpfHeldTable>(loader.held_tgids_fd());
    s.releaser = std::make_unique<HoldReleaser>(*s.held_table);
    s.releaser->start_watchdog(kHoldLimitNs, 50);
    attacher.set_examined_listener([&loader](const ap_file_key& key) { loader.mark_examined(key); });
  }
  HoldReleaser* releaser = s.releaser.get();
  s.router = std::make_unique<CaptureRouter>(*s.streams, CaptureRouter::Hooks{
      [&attacher, &rescans, releaser](uint32_t pid, const std::string&, uint64_t exec_ns, bool held) {
        const size_t known = attacher.targets().size();
        examine_process(attacher, pid, exec_ns);
        if (held) {
          if (releaser) releaser->note_held_record(true);
          end_hold(releaser, pid);
        }
        report_new_targets(attacher, known);
        rescans.add(pid, monotonic_ns());
      },
      [&attacher, releaser](uint32_t pid, uint32_t tid, const std::string& name, bool held) {
        if (!held && !looks_like_tls_library(name)) return;
        // Held from inside mmap: the mapping is there once the thread has stopped.
        if (held) wait_until_stopped(pid_t(pid), pid_t(tid), kMmapStopWaitMs);
        const size_t known = attacher.targets().size();
        examine_process(attacher, pid);
        if (held) {
          if (releaser) releaser->note_held_record(false);
          end_hold(releaser, pid);
        }
        report_new_targets(attacher, known);
      },
      [&loader](const ConnKey& key) { loader.forget_connection(key.tgid, uint8_t(key.transport), key.id); },
  });
  s.rc = RingContext{s.router.get(), &s.decode_stats};
  s.rb = ring_buffer__new(s.loader.ringbuf_fd(), on_record, &s.rc, nullptr);
  if (!s.rb) {
    error = std::string("cannot open the ring buffer: ") + strerror(errno);
    return false;
  }
  if (o.hold_new_executables && !loader.set_hold_enabled(true)) {
    error = "cannot turn the exec hold on (writing the config map failed)";
    return false;
  }
  // Tracepoints are live already: drain between attach steps so a busy host cannot fill the ring
  // buffer while agentprof is still parsing ELF files.
  if (!o.no_lib_scan) attacher.scan_library_dirs();
  attacher.set_scan_container_roots(!o.no_lib_scan);
  std::set<uint16_t> ports(o.ports.begin(), o.ports.end());
  for (uint32_t pid : scope_pids) {
    if (pid == uint32_t(getpid())) continue;
    attacher.scan_process(pid);
    ring_buffer__consume(s.rb);
    if (o.no_sockets) continue;
    for (const OpenTcpSocket& sock : tcp_sockets(pid)) {
      if (sock.listening) continue;
      if (ports.count(sock.remote_port) || ports.count(sock.local_port))
        s.existing_sockets += loader.track_existing_socket(pid, sock.fd) ? 1 : 0;
    }
  }
  // Processes already running a binary that was since replaced on disk are not probed; say so now
  // (other start-up findings are listed by `agentprof doctor`).
  for (const TlsTarget& t : attacher.targets())
    if (t.replaced) report_target(t);
  s.last_tick = monotonic_ns();
  return true;
}

std::string CaptureSession::ready_summary() const {
  const Impl& s = *impl_;
  char buf[256];
  snprintf(buf, sizeof(buf), "%d TLS probes on %zu files, %d tracepoints, %zu processes in scope%s%s",
           s.attacher->probes_attached(), s.attacher->targets().size(), s.loader.tracepoints_attached(),
           s.scope_size, s.existing_sockets ? ", existing sockets tracked" : "",
           s.releaser ? ", holding new executables until probed" : "");
  return buf;
}

bool CaptureSession::poll(int timeout_ms, std::string& error) {
  Impl& s = *impl_;
  // The kernel side wakes us only for exec/mmap events and large backlogs: poll on a short timer
  // and consume whatever is there.
  int n = ring_buffer__poll(s.rb, timeout_ms);
  if (n >= 0) n = ring_buffer__consume(s.rb);
  if (n < 0 && n != -EINTR) {
    error = std::string("ring buffer poll failed: ") + strerror(-n);
    return false;
  }
  uint64_t now = monotonic_ns();
  s.rescans.run_due(now, [&](uint32_t pid) {
    const size_t known = s.attacher->targets().size();
    examine_process(*s.attacher, pid);
    report_new_targets(*s.attacher, known);
  });
  if (now - s.last_tick >= 100'000'000) {
    s.streams->tick(now);
    s.last_tick = now;
  }
  return true;
}

void CaptureSession::finish() {
  Impl& s = *impl_;
  // No new holds from here; held records still queued are examined and resumed by the drain, and
  // whatever is held beyond them (a record lost, a hold in flight) right after.
  if (s.releaser) s.loader.set_hold_enabled(false);
  if (s.rb) ring_buffer__consume(s.rb);
  s.end_all_holds();
  if (s.streams) s.streams->close_all(monotonic_ns());
}

void CaptureSession::print_report(FILE* out, const AnalysisChain* chain) const {
  const Impl& s = *impl_;
  LossReportInputs in{&s.loader, s.router.get(), s.streams.get(), &s.decode_stats, s.attacher.get(), chain,
                      s.releaser.get()};
  print_loss_report(in, out);
}

CaptureHealth CaptureSession::health() const {
  const Impl& s = *impl_;
  CaptureHealth h;
  std::vector<uint64_t> k = s.loader.read_stats();
  const StreamStats& st = s.streams->stats();
  h.probes_attached = s.attacher->probes_attached();
  h.attach_failures = s.attacher->attach_failures();
  h.bytes_captured = s.router->counters().data_bytes;
  h.open_connections = st.open_connections;
  h.pending_bytes = st.pending_bytes;
  h.lost = {{"ringbuf_full", k[AP_STAT_RB_FULL_DATA_BYTES]},
            {"read_failed", k[AP_STAT_READ_FAIL_BYTES]},
            {"truncated", k[AP_STAT_TRUNCATED_BYTES]},
            {"stream_gap", st.gap_bytes},
            {"missed_call_entry", k[AP_STAT_MISSING_ENTRY]},
            {"tls_call_via_unprobed_path", k[AP_STAT_TLS_UNMATCHED_RETURN]},
            {"ringbuf_full_control", k[AP_STAT_RB_FULL_CTRL]}};
  if (s.releaser) {
    h.holding = true;
    h.holds = k[AP_STAT_HOLDS];
    h.holds_skipped = k[AP_STAT_HOLD_SKIPPED];
    h.holds_failed = k[AP_STAT_HOLD_FAILED];
    h.hold_stats = s.releaser->stats();
  }
  return h;
}

}  // namespace agentprof
