#include "cli/raw_stream_printer.h"

#include <cinttypes>

namespace agentprof {

const char* to_string(CloseReason reason) {
  switch (reason) {
    case CloseReason::kClosed: return "closed";
    case CloseReason::kProcessExited: return "process_exited";
    case CloseReason::kExpired: return "expired";
    case CloseReason::kEvicted: return "evicted";
    case CloseReason::kShutdown: return "shutdown";
  }
  return "unknown";
}

const char* to_string(Direction dir) { return dir == Direction::kEgress ? "egress" : "ingress"; }

namespace {
void print_conn(FILE* out, const ConnMeta& c) {
  fprintf(out, "pid=%u conn=%s:0x%" PRIx64 ":%" PRIu64, c.key.tgid,
          c.key.transport == Transport::kTls ? "tls" : "sock", c.key.id, c.key.generation);
}
}  // namespace

void RawStreamPrinter::on_bytes(const ConnMeta& conn, Direction dir, uint64_t ts_ns,
                                std::span<const uint8_t> bytes) {
  Positions& state = positions_[conn.key];
  uint64_t& pos = state.next[int(dir)];
  masked_.assign(bytes.begin(), bytes.end());
  state.redactor[int(dir)].apply(masked_);
  fprintf(out_, "@@ data tid=%u comm=%s ", conn.tid, conn.comm.empty() ? "?" : conn.comm.c_str());
  print_conn(out_, conn);
  fprintf(out_, " dir=%s pos=%" PRIu64 " len=%zu ts=%" PRIu64, to_string(dir), pos, bytes.size(), ts_ns);
  if (conn.local.known()) fprintf(out_, " local=%s:%u", conn.local.address.c_str(), conn.local.port);
  if (conn.remote.known()) fprintf(out_, " remote=%s:%u", conn.remote.address.c_str(), conn.remote.port);
  fputc('\n', out_);
  fwrite(masked_.data(), 1, masked_.size(), out_);
  fputc('\n', out_);
  pos += bytes.size();
}

void RawStreamPrinter::on_gap(const ConnMeta& conn, Direction dir, uint64_t missing_bytes) {
  Positions& state = positions_[conn.key];
  uint64_t& pos = state.next[int(dir)];
  state.redactor[int(dir)] = RawRedactor{};  // unknown context after a hole: start afresh
  fprintf(out_, "@@ gap ");
  print_conn(out_, conn);
  fprintf(out_, " dir=%s pos=%" PRIu64 " missing=%" PRIu64 "\n", to_string(dir), pos, missing_bytes);
  pos += missing_bytes;
}

void RawStreamPrinter::on_close(const ConnMeta& conn, CloseReason reason, uint64_t) {
  fprintf(out_, "@@ close ");
  print_conn(out_, conn);
  fprintf(out_, " reason=%s\n", to_string(reason));
  fflush(out_);
  positions_.erase(conn.key);
}

}  // namespace agentprof
