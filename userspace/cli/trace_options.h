// Options of `agentprof trace`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace agentprof {

// Where spans are kept on the host unless told otherwise (`trace` and `serve` share it).
inline constexpr const char* kDefaultStorePath = "/var/lib/agentprof/spans.db";

struct TraceOptions {
  std::vector<uint32_t> pids;       // --pid (with descendants)
  std::string comm;                 // --comm
  std::string cgroup;               // --cgroup (cgroup v2 path)
  double duration_s = 0;            // --duration, 0 = until SIGINT/SIGTERM
  bool raw = false;                 // --raw: print reassembled streams
  std::string raw_file;             // --raw-file: same, to a file
  std::string jsonl;                // --jsonl FILE or "-"
  bool content = false;             // --content: keep prompt/completion text
  std::string prices;               // --prices FILE overriding the built-in table
  bool quiet = false;               // --quiet: no live table
  std::vector<uint16_t> ports = {11434, 8000, 8080, 1234};  // --port (plaintext capture)
  bool no_sockets = false;          // --no-sockets
  uint32_t ringbuf_mb = 16;         // --ringbuf-mb
  bool no_lib_scan = false;         // --no-lib-scan: only attach to libraries processes map
  std::string store = kDefaultStorePath;  // --store PATH; empty with --no-store
  std::string otlp;                 // --otlp URL: export spans to an OTLP/HTTP collector
  bool hold_new_executables = false;  // --hold-new-executables: stop new programs until probed
};

int run_trace(const TraceOptions& options);
int run_doctor(bool verbose);

}  // namespace agentprof
