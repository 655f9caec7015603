#include "trace/process_identity_tap.h"

namespace agentprof {

namespace {
constexpr size_t kMaxSeen = 1 << 18;
}

void ProcessIdentityTap::on_bytes(const ConnMeta& conn, Direction dir, uint64_t ts_ns,
                                  std::span<const uint8_t> bytes) {
  if (!seen_.count(conn.key)) {
    if (seen_.size() >= kMaxSeen) seen_.clear();
    seen_.insert(conn.key);
    containers_.on_connection(conn.key.tgid);
  }
  next_.on_bytes(conn, dir, ts_ns, bytes);
}

void ProcessIdentityTap::on_gap(const ConnMeta& conn, Direction dir, uint64_t missing_bytes) {
  next_.on_gap(conn, dir, missing_bytes);
}

void ProcessIdentityTap::on_close(const ConnMeta& conn, CloseReason reason, uint64_t ts_ns) {
  seen_.erase(conn.key);
  next_.on_close(conn, reason, ts_ns);
}

}  // namespace agentprof
