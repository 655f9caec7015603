// Validates and dispatches raw ring buffer records (bpf/events.h). Works on recorded bytes too,
// so everything above capture can be tested without a kernel.
#pragma once

#include <cstddef>
#include <cstdint>

#include "events.h"

namespace agentprof {

class CaptureHandler {
 public:
  virtual ~CaptureHandler() = default;
  // e.len bytes of e.data are valid (checked against the record size).
  virtual void on_data(const ap_data_event& e) = 0;
  virtual void on_conn(const ap_conn_event& e) = 0;
  virtual void on_close(const ap_close_event& e) = 0;
  virtual void on_exec(const ap_exec_event& e) = 0;
  virtual void on_exit(const ap_exit_event& e) = 0;
  virtual void on_mmap_exec(const ap_mmap_event& e) = 0;
};

struct DecodeStats {
  uint64_t records = 0;
  uint64_t bytes = 0;
  uint64_t malformed = 0;  // too short, unknown kind, or length fields out of range
};

// Returns false (and counts it) when the record is malformed.
bool decode_record(const void* data, size_t size, CaptureHandler& handler, DecodeStats& stats);

}  // namespace agentprof
