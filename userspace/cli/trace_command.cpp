// `agentprof trace`: load probes, attach, and run the capture pipeline until stopped.
#include <cstdio>
#include <cstring>
#include <memory>

#include "cli/analysis_chain.h"
#include "cli/capture_session.h"
#include "cli/raw_stream_printer.h"
#include "cli/signals.h"
#include "cli/trace_options.h"
#include "stream/stream_fanout.h"

namespace agentprof {

CaptureOptions capture_options(const TraceOptions& o) {
  CaptureOptions c;
  c.pids = o.pids;
  c.comm = o.comm;
  c.cgroup = o.cgroup;
  c.ports = o.ports;
  c.no_sockets = o.no_sockets;
  c.ringbuf_mb = o.ringbuf_mb;
  c.no_lib_scan = o.no_lib_scan;
  c.hold_new_executables = o.hold_new_executables;
  return c;
}

int run_trace(const TraceOptions& options) {
  install_signal_handlers();
  std::string error;
  if (!can_use_bpf(error)) {
    fprintf(stderr, "agentprof: %s\n", error.c_str());
    return 2;
  }

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
  StreamFanout fanout;
  std::unique_ptr<RawStreamPrinter> raw;
  if (raw_out) {
    raw = std::make_unique<RawStreamPrinter>(raw_out);
    fanout.add(raw.get());
  }
  std::unique_ptr<AnalysisChain> chain = make_analysis_chain(options, error);
  if (!chain) {
    fprintf(stderr, "agentprof: %s\n", error.c_str());
    return 2;
  }
  fanout.add(&chain->stream_sink());

  CaptureSession session;
  if (!session.start(capture_options(options), fanout, error)) {
    fprintf(stderr, "agentprof: %s\n", error.c_str());
    return 2;
  }
  fprintf(stderr, "agentprof: ready: %s\n", session.ready_summary().c_str());
  fflush(stderr);

  const uint64_t start = monotonic_ns();
  const uint64_t deadline = options.duration_s > 0 ? start + uint64_t(options.duration_s * 1e9) : 0;
  int rc = 0;
  while (!g_stop_requested.load()) {
    if (!session.poll(20, error)) {
      fprintf(stderr, "agentprof: %s\n", error.c_str());
      rc = 1;
      break;
    }
    uint64_t now = monotonic_ns();
    chain->tick(now);
    if (g_counters_requested.exchange(false)) session.print_report(stderr, chain.get());
    if (deadline && now >= deadline) break;
  }
  // Drain what the kernel already produced, then end every connection so in-flight calls flush.
  session.finish();
  chain->finish();
  session.print_report(stderr, chain.get());
  if (raw_out && raw_out != stdout) fclose(raw_out);
  if (raw_out == stdout) fflush(stdout);
  return rc;
}

}  // namespace agentprof
