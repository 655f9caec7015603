// `agentprof trace`: load probes, attach, and run the capture pipeline until stopped.
#include <bpf/libbpf.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "attach/proc_files.h"
#include "attach/tls_attacher.h"
#include "capture/bpf_loader.h"
#include "capture/capture_router.h"
#include "capture/record_decoder.h"
#include "cli/analysis_chain.h"
#include "cli/loss_report.h"
#include "cli/raw_stream_printer.h"
#include "cli/signals.h"
#include "cli/trace_options.h"
#include "stream/stream_fanout.h"
#include "stream/stream_table.h"

namespace agentprof {

namespace {

uint64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
}

struct RingContext {
  CaptureHandler* handler;
  DecodeStats* stats;
};

int on_record(void* ctx, void* data, size_t size) {
  auto* rc = static_cast<RingContext*>(ctx);
  decode_record(data, size, *rc->handler, *rc->stats);
  return 0;
}

// Processes that exec'd recently are re-examined a few times: libraries they dlopen after start
// (Python's _ssl, plugins) appear in their maps only later.
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

std::vector<uint32_t> initial_pids(const TraceOptions& o) {
  if (!o.pids.empty()) return descendants_of(o.pids);
  return list_pids();  // --comm/--cgroup are enforced in the kernel; attach to everything mapped
}

}  // namespace

int run_trace(const TraceOptions& options) {
  install_signal_handlers();
  libbpf_set_print([](enum libbpf_print_level level, const char* fmt, va_list args) -> int {
    if (level == LIBBPF_WARN || getenv("AGENTPROF_LIBBPF_DEBUG")) return vfprintf(stderr, fmt, args);
    return 0;
  });

  LoaderOptions lo;
  lo.scope.pids = options.pids;
  lo.scope.comm = options.comm;
  lo.scope.cgroup_path = options.cgroup;
  lo.capture_ports = options.ports;
  lo.capture_sockets = !options.no_sockets;
  lo.ringbuf_bytes = options.ringbuf_mb << 20;

  BpfLoader loader;
  if (!loader.load(lo)) {
    fprintf(stderr, "agentprof: cannot load BPF programs: %s\n", loader.error().c_str());
    return 2;
  }
  std::vector<uint32_t> scope_pids = initial_pids(options);
  if (!options.pids.empty())
    for (uint32_t pid : scope_pids) loader.add_traced_pid(pid);

  // Output sinks for the reassembled streams.
  FILE* raw_out = nullptr;
  if (!options.raw_file.empty()) {
    raw_out = fopen(options.raw_file.c_str(), "wb");
    if (!raw_out) {
      fprintf(stderr, "agentprof: cannot open %s: %s\n", options.raw_file.c_str(), strerror(errno));
      return 2;
    }
  } else if (options.raw) {
    raw_out = stdout;
  }
  std::unique_ptr<RawStreamPrinter> raw;
  StreamFanout fanout;
  if (raw_out) {
    raw = std::make_unique<RawStreamPrinter>(raw_out);
    fanout.add(raw.get());
  }
  std::string chain_error;
  std::unique_ptr<AnalysisChain> chain = make_analysis_chain(options, chain_error);
  if (!chain) {
    fprintf(stderr, "agentprof: %s\n", chain_error.c_str());
    return 2;
  }
  fanout.add(&chain->stream_sink());

  StreamTable streams(fanout);
  TlsAttacher attacher(loader.tls_programs());
  RescanSchedule rescans;
  CaptureRouter router(streams, CaptureRouter::Hooks{
      [&](uint32_t pid, const std::string&) {
        attacher.scan_process(pid);
        rescans.add(pid, monotonic_ns());
      },
      [&](uint32_t pid, const std::string& name) {
        if (looks_like_tls_library(name)) attacher.scan_process(pid);
      },
      [&](const ConnKey& key) { loader.forget_connection(key.tgid, uint8_t(key.transport), key.id); },
  });

  DecodeStats decode_stats;
  RingContext rc{&router, &decode_stats};
  ring_buffer* rb = ring_buffer__new(loader.ringbuf_fd(), on_record, &rc, nullptr);
  if (!rb) {
    fprintf(stderr, "agentprof: cannot open the ring buffer: %s\n", strerror(errno));
    return 2;
  }

  // Tracepoints are live already: drain between attach steps so a busy host cannot fill the ring
  // buffer while agentprof is still parsing ELF files.
  if (!options.no_lib_scan) attacher.scan_library_dirs();
  int existing_sockets = 0;
  std::set<uint16_t> ports(options.ports.begin(), options.ports.end());
  for (uint32_t pid : scope_pids) {
    if (pid == uint32_t(getpid())) continue;
    attacher.scan_process(pid);
    ring_buffer__consume(rb);
    if (options.no_sockets) continue;
    for (const OpenTcpSocket& s : tcp_sockets(pid)) {
      if (s.listening) continue;
      if (ports.count(s.remote_port) || ports.count(s.local_port))
        existing_sockets += loader.track_existing_socket(pid, s.fd) ? 1 : 0;
    }
  }


  fprintf(stderr,
          "agentprof: ready: %d TLS probes on %zu files, %d tracepoints, %zu processes in scope%s\n",
          attacher.probes_attached(), attacher.targets().size(), loader.tracepoints_attached(),
          scope_pids.size(), existing_sockets ? ", existing sockets tracked" : "");
  fflush(stderr);

  const uint64_t start = monotonic_ns();
  const uint64_t deadline = options.duration_s > 0 ? start + uint64_t(options.duration_s * 1e9) : 0;
  uint64_t last_tick = start;
  LossReportInputs loss{&loader, &router, &streams, &decode_stats, &attacher, chain.get()};
  while (!g_stop_requested.load()) {
    // The kernel side wakes us only for exec events and large backlogs: poll on a short timer
    // and consume whatever is there.
    int n = ring_buffer__poll(rb, 20);
    if (n >= 0) n = ring_buffer__consume(rb);
    if (n < 0 && n != -EINTR) {
      fprintf(stderr, "agentprof: ring buffer poll failed: %s\n", strerror(-n));
      break;
    }
    uint64_t now = monotonic_ns();
    rescans.run_due(now, [&](uint32_t pid) { attacher.scan_process(pid); });
    if (now - last_tick >= 100'000'000) {
      streams.tick(now);
      chain->tick(now);
      last_tick = now;
    }
    if (g_counters_requested.exchange(false)) print_loss_report(loss, stderr);
    if (deadline && now >= deadline) break;
  }
  // Drain what the kernel already produced, then end every connection so in-flight calls flush.
  ring_buffer__consume(rb);
  streams.close_all(monotonic_ns());
  chain->finish();
  print_loss_report(loss, stderr);
  ring_buffer__free(rb);
  if (raw_out && raw_out != stdout) fclose(raw_out);
  if (raw_out == stdout) fflush(stdout);
  return 0;
}

}  // namespace agentprof
