// One running capture: BPF programs loaded, TLS probes attached, ring buffer drained into a
// stream table whose ordered bytes go to the caller's StreamSink. Shared by `trace` and `serve`.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "capture/hold_releaser.h"
#include "stream/stream_sink.h"

namespace agentprof {

class AnalysisChain;

struct CaptureOptions {
  std::vector<uint32_t> pids;
  std::string comm;
  std::string cgroup;
  std::vector<uint16_t> ports = {11434, 8000, 8080, 1234};
  bool no_sockets = false;
  uint32_t ringbuf_mb = 16;
  bool no_lib_scan = false;
  // Stop a process that execs a file not examined yet (or maps a new TLS library) until its probes
  // are on: its first TLS call is not missed. The process is visible as stopped meanwhile.
  bool hold_new_executables = false;
};

struct CaptureHealth {
  int probes_attached = 0;
  int attach_failures = 0;
  uint64_t bytes_captured = 0;
  uint64_t open_connections = 0;
  uint64_t pending_bytes = 0;
  std::vector<std::pair<std::string, uint64_t>> lost;  // reason -> count (kernel and userspace)
  // With hold_new_executables: the kernel's holds (made, skipped on purpose, failed) and how they ended.
  bool holding = false;
  uint64_t holds = 0, holds_skipped = 0, holds_failed = 0;
  HoldStats hold_stats;
};

class CaptureSession {
 public:
  CaptureSession();
  ~CaptureSession();
  // Loads and attaches; on success prints nothing — the caller prints its ready line.
  bool start(const CaptureOptions& options, StreamSink& sink, std::string& error);
  // One iteration: wait up to `timeout_ms` for kernel records, consume them, run due rescans and
  // periodic stream expiry.
  bool poll(int timeout_ms, std::string& error);
  // Drains the ring buffer and ends every connection so in-flight calls complete.
  void finish();
  std::string ready_summary() const;
  void print_report(FILE* out, const AnalysisChain* chain) const;
  CaptureHealth health() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

uint64_t monotonic_ns();

// Cheap check that this process may use BPF at all, before outputs are opened: false with a
// message naming the missing privilege.
bool can_use_bpf(std::string& error);

}  // namespace agentprof
