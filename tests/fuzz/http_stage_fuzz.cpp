// Random bytes in both directions of one connection, random splits, gaps and closes. Checks the
// ExchangeSink contract (call order per exchange, one done per exchange) and that no exchange is
// left open after the close.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <span>

#include "http/http_stage.h"

using namespace agentprof;

namespace {

class CheckingSink final : public ExchangeSink {
 public:
  enum Phase { kRequest, kRequestEnded, kResponse, kResponseEnded, kDone };
  std::map<ExchangeId, Phase> phase;

  void expect(bool ok) {
    if (!ok) abort();
  }
  void on_request_head(ExchangeId id, const ConnMeta&, const HttpRequestHead& h, uint64_t) override {
    expect(!phase.count(id));
    expect(h.headers.find("authorization") == nullptr && h.headers.find("x-api-key") == nullptr);
    phase[id] = kRequest;
  }
  void on_request_body(ExchangeId id, std::span<const uint8_t> d, uint64_t) override {
    expect(phase.count(id) && phase[id] == kRequest && !d.empty());
  }
  void on_request_end(ExchangeId id, BodyEnd, uint64_t) override {
    expect(phase.count(id) && phase[id] == kRequest);
    phase[id] = kRequestEnded;
  }
  void on_response_head(ExchangeId id, const HttpResponseHead& h, uint64_t) override {
    expect(phase.count(id) && phase[id] == kRequestEnded && h.status >= 100 && h.status <= 999);
    phase[id] = kResponse;
  }
  void on_response_body(ExchangeId id, std::span<const uint8_t> d, uint64_t) override {
    expect(phase.count(id) && phase[id] == kResponse && !d.empty());
  }
  void on_response_end(ExchangeId id, BodyEnd, uint64_t) override {
    expect(phase.count(id) && phase[id] == kResponse);
    phase[id] = kResponseEnded;
  }
  void on_exchange_done(ExchangeId id, const ConnMeta&, uint64_t) override {
    expect(phase.count(id) && (phase[id] == kRequestEnded || phase[id] == kResponseEnded));
    phase[id] = kDone;
  }
};

}  // namespace

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
