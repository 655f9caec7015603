// ExchangeSink that aborts on any break of its contract (call order per exchange, one done per
// exchange, no secret header handed on): shared by the http stage fuzzers.
#pragma once

#include <cstdlib>
#include <map>
#include <span>

#include "http/exchange_sink.h"

namespace agentprof::fuzz {

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


}  // namespace agentprof::fuzz
