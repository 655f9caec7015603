#include "capture/capture_router.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstring>
#include <span>

#include "attach/proc_files.h"

namespace agentprof {

std::string format_address(uint16_t family, const uint8_t addr[16]) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == AF_INET) {
    inet_ntop(AF_INET, addr, buf, sizeof(buf));
  } else if (family == AF_INET6) {
    inet_ntop(AF_INET6, addr, buf, sizeof(buf));
  }
  return buf;
}

ConnKey CaptureRouter::key_of(uint32_t tgid, const ap_conn_id& c) const {
  return ConnKey{tgid, Transport(c.source), c.id, c.generation};
}

const std::string& CaptureRouter::process_name(uint32_t tgid, const char* thread_comm) {
  auto it = process_names_.find(tgid);
  if (it != process_names_.end()) return it->second;
  // The thread doing TLS may be a worker ("HTTP Client"): prefer the process's own name.
  std::string name = read_comm(tgid).value_or(std::string(thread_comm, strnlen(thread_comm, AP_COMM_LEN)));
  return process_names_.emplace(tgid, std::move(name)).first->second;
}

void CaptureRouter::remember(const ConnKey& key) { conns_by_tgid_[key.tgid].insert(key); }

void CaptureRouter::on_data(const ap_data_event& e) {
  counters_.data_records++;
  counters_.data_bytes += e.len;
  if (e.flags & AP_DATA_TRUNCATED) counters_.truncated_calls++;
  ConnKey key = key_of(e.hdr.tgid, e.conn);
  auto [it, inserted] = conns_by_tgid_[key.tgid].insert(key);
  if (inserted) {
    ConnMeta meta;
    meta.key = key;
    meta.tid = e.hdr.tid;
    meta.comm = process_name(e.hdr.tgid, e.comm);
    streams_.update_meta(meta);
  }
  streams_.add(key, Direction(e.dir), e.pos, e.hdr.ts_ns, e.hdr.tid,
               std::span<const uint8_t>(e.data, e.len));
}

void CaptureRouter::on_conn(const ap_conn_event& e) {
  counters_.conn_records++;
  ConnMeta meta;
  meta.key = key_of(e.hdr.tgid, e.conn);
  meta.tid = e.hdr.tid;
  meta.comm = process_name(e.hdr.tgid, e.comm);
  meta.role = Role(e.role);
  meta.local = {format_address(e.family, e.laddr), e.lport};
  meta.remote = {format_address(e.family, e.raddr), e.rport};
  remember(meta.key);
  streams_.update_meta(meta);
}

void CaptureRouter::on_close(const ap_close_event& e) {
  counters_.close_records++;
  ConnKey key = key_of(e.hdr.tgid, e.conn);
  auto it = conns_by_tgid_.find(key.tgid);
  if (it != conns_by_tgid_.end()) it->second.erase(key);
  streams_.close(key, CloseReason::kClosed, e.hdr.ts_ns);
}

void CaptureRouter::on_exec(const ap_exec_event& e) {
  counters_.execs++;
  process_names_.erase(e.hdr.tgid);  // exec changes the name
  if (hooks_.on_exec)
    hooks_.on_exec(e.hdr.tgid, std::string(e.filename, strnlen(e.filename, AP_PATH_LEN)), e.hdr.ts_ns,
                   (e.flags & AP_HOLD_STOPPED) != 0);
}

void CaptureRouter::on_mmap_exec(const ap_mmap_event& e) {
  if (hooks_.on_mmap_exec)
    hooks_.on_mmap_exec(e.hdr.tgid, e.hdr.tid, std::string(e.name, strnlen(e.name, sizeof(e.name))),
                        (e.flags & AP_HOLD_STOPPED) != 0);
}

void CaptureRouter::on_exit(const ap_exit_event& e) {
  counters_.exits++;
  uint32_t tgid = e.hdr.tgid;
  streams_.close_process(tgid, e.hdr.ts_ns);
  auto it = conns_by_tgid_.find(tgid);
  if (it != conns_by_tgid_.end()) {
    if (hooks_.on_connection_gone)
      for (const ConnKey& k : it->second) hooks_.on_connection_gone(k);
    conns_by_tgid_.erase(it);
  }
  process_names_.erase(tgid);
}

}  // namespace agentprof
