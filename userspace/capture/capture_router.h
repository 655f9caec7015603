// Turns decoded kernel records into stream-table calls: connection keys, metadata (addresses,
// role, process name), process exits, and tells the attach side about new executables.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "capture/record_decoder.h"
#include "common/connection.h"
#include "stream/stream_table.h"

namespace agentprof {

struct CaptureCounters {
  uint64_t data_records = 0;
  uint64_t data_bytes = 0;
  uint64_t truncated_calls = 0;  // calls larger than the kernel's per-call copy limit
  uint64_t conn_records = 0;
  uint64_t close_records = 0;
  uint64_t execs = 0;
  uint64_t exits = 0;
};

class CaptureRouter : public CaptureHandler {
 public:
  struct Hooks {
    // A traced process exec'd (at `ts_ns`, CLOCK_MONOTONIC): examine its new executable and libraries.
    // `held`: the kernel stopped it until then (--hold-new-executables); the hook must resume it.
    std::function<void(uint32_t pid, const std::string& filename, uint64_t ts_ns, bool held)> on_exec;
    // Thread `tid` of a traced process mapped a file executable (dlopen): `name` is its base name.
    // `held` as for on_exec.
    std::function<void(uint32_t pid, uint32_t tid, const std::string& name, bool held)> on_mmap_exec;
    // A connection ended for good: kernel-side state may be dropped.
    std::function<void(const ConnKey& key)> on_connection_gone;
  };

  CaptureRouter(StreamTable& streams, Hooks hooks) : streams_(streams), hooks_(std::move(hooks)) {}

  void on_data(const ap_data_event& e) override;
  void on_conn(const ap_conn_event& e) override;
  void on_close(const ap_close_event& e) override;
  void on_exec(const ap_exec_event& e) override;
  void on_exit(const ap_exit_event& e) override;
  void on_mmap_exec(const ap_mmap_event& e) override;

  const CaptureCounters& counters() const { return counters_; }

 private:
  ConnKey key_of(uint32_t tgid, const ap_conn_id& c) const;
  const std::string& process_name(uint32_t tgid, const char* thread_comm);
  void remember(const ConnKey& key);

  StreamTable& streams_;
  Hooks hooks_;
  CaptureCounters counters_;
  std::unordered_map<uint32_t, std::string> process_names_;
  // Connections seen per process, so a process exit can release their kernel-side state.
  std::unordered_map<uint32_t, std::unordered_set<ConnKey, ConnKeyHash>> conns_by_tgid_;
};

std::string format_address(uint16_t family, const uint8_t addr[16]);

}  // namespace agentprof
