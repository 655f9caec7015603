// Random bytes in both directions of one connection, random splits, gaps and closes. Checks the
// ExchangeSink contract (call order per exchange, one done per exchange) and that no exchange is
// left open after the close.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <span>

#include "checking_exchange_sink.h"
#include "http/http_stage.h"

using namespace agentprof;

using agentprof::fuzz::CheckingSink;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CheckingSink sink;
  HttpLimits limits;
  limits.max_head_bytes = 512;
  limits.max_decoded_body_bytes = 4096;
  limits.max_sniff_bytes = 2048;
  limits.max_open_exchanges = 4;
  HttpStage stage(sink, limits);
  ConnMeta meta;
  meta.key = ConnKey{1, Transport::kSocket, 3, 1};
  // Each record: one control byte (direction, action, length bits), then up to 63 payload bytes.
  size_t i = 0;
  while (i < size) {
    uint8_t ctl = data[i++];
    Direction dir = (ctl & 1) ? Direction::kIngress : Direction::kEgress;
    uint8_t action = (ctl >> 1) & 0x1f;
    if (action == 0) {
      stage.on_gap(meta, dir, 10);
      continue;
    }
    if (action == 1) {
      stage.on_close(meta, CloseReason::kClosed, i);
      continue;
    }
    size_t len = std::min<size_t>(size - i, 1 + (ctl >> 2));
    stage.on_bytes(meta, dir, i, std::span<const uint8_t>(data + i, len));
    i += len;
  }
  stage.on_close(meta, CloseReason::kShutdown, size + 1);
  for (const auto& [id, p] : sink.phase)
    if (p != CheckingSink::kDone) abort();
  if (stage.stats().open_connections != 0) abort();
  return 0;
}
