#include "cli/loss_report.h"

#include <cinttypes>

#include "attach/tls_attacher.h"
#include "capture/bpf_loader.h"
#include "capture/capture_router.h"
#include "capture/hold_releaser.h"
#include "capture/record_decoder.h"
#include "cli/analysis_chain.h"
#include "events.h"
#include "stream/stream_table.h"

namespace agentprof {

void print_loss_report(const LossReportInputs& in, FILE* out) {
  std::vector<uint64_t> k = in.loader->read_stats();
  const CaptureCounters& c = in.router->counters();
  const StreamStats& s = in.streams->stats();
  fprintf(out, "agentprof: capture summary\n");
  fprintf(out,
          "  captured: %" PRIu64 " data records, %" PRIu64 " bytes (%" PRIu64 " TLS calls, %" PRIu64
          " socket calls), %" PRIu64 " connections\n",
          c.data_records, c.data_bytes, k[AP_STAT_TLS_CALLS], k[AP_STAT_SOCK_CALLS],
          s.connections_opened);
  fprintf(out,
          "  lost in kernel: ringbuf_full=%" PRIu64 " records (%" PRIu64 " bytes) ringbuf_full_control=%" PRIu64
          " read_failed=%" PRIu64 " (%" PRIu64 " bytes) truncated_bytes=%" PRIu64 " args_map_full=%" PRIu64
          " conn_map_full=%" PRIu64 " missed_call_entry=%" PRIu64 " tls_calls_via_unprobed_path=%" PRIu64 "\n",
          k[AP_STAT_RB_FULL_DATA], k[AP_STAT_RB_FULL_DATA_BYTES], k[AP_STAT_RB_FULL_CTRL],
          k[AP_STAT_READ_FAIL], k[AP_STAT_READ_FAIL_BYTES], k[AP_STAT_TRUNCATED_BYTES],
          k[AP_STAT_ARGS_MAP_FULL], k[AP_STAT_CONN_MAP_FULL], k[AP_STAT_MISSING_ENTRY],
          k[AP_STAT_TLS_UNMATCHED_RETURN]);
  fprintf(out,
          "  lost in userspace: stream_gaps=%" PRIu64 " (%" PRIu64 " bytes) overflow_bytes=%" PRIu64
          " duplicate_bytes=%" PRIu64 " malformed_records=%" PRIu64 " attach_failures=%d\n",
          s.gaps, s.gap_bytes, s.overflow_bytes, s.duplicate_bytes, in.decode->malformed,
          in.attacher->attach_failures());
  if (in.holds) {
    // held= is the kernel's count of stops; the record counts say what prompted them.
    const HoldStats h = in.holds->stats();
    fprintf(out,
            "  exec hold: held=%" PRIu64 " (exec=%" PRIu64 " mmap=%" PRIu64 ") resumed=%" PRIu64 " watchdog=%" PRIu64
            " at_exit=%" PRIu64 " ended_while_held=%" PRIu64 " skipped=%" PRIu64 " not_held=%" PRIu64
            "; held_ms median=%.2f max=%.2f\n",
            k[AP_STAT_HOLDS], h.exec_records, h.mmap_records, h.resumed, h.resumed_by_watchdog, h.resumed_at_exit,
            h.ended_while_held, k[AP_STAT_HOLD_SKIPPED], k[AP_STAT_HOLD_FAILED], h.median_ms, h.max_ms);
  }
  if (in.chain) in.chain->print_counters(out);
  fflush(out);
}

}  // namespace agentprof
