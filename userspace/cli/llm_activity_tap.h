// Sits between the HTTP stage and the LLM stage and reports, per process, how many LLM calls are
// in flight: a call starts with its request head (when the route is an LLM API, or may be one
// pending its body) and ends when its exchange is done (response complete, connection closed, gap
// or process exit). Every event is passed on unchanged. Tracked exchanges are bounded; past the
// bound a call is not tracked (counted), never mis-tracked.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "http/exchange_sink.h"
#include "profile/llm_activity_listener.h"

namespace agentprof {

struct LlmActivityTapStats {
  uint64_t calls_started = 0;
  uint64_t calls_untracked = 0;  // over max_tracked
};

class LlmActivityTap final : public ExchangeSink {
 public:
  LlmActivityTap(ExchangeSink& next, LlmActivityListener& listener, size_t max_tracked = 4096);

  void on_request_head(ExchangeId id, const ConnMeta& conn, const HttpRequestHead& head, uint64_t ts_ns) override;
  void on_request_body(ExchangeId id, std::span<const uint8_t> decoded, uint64_t ts_ns) override;
  void on_request_end(ExchangeId id, BodyEnd end, uint64_t ts_ns) override;
  void on_response_head(ExchangeId id, const HttpResponseHead& head, uint64_t ts_ns) override;
  void on_response_body(ExchangeId id, std::span<const uint8_t> decoded, uint64_t ts_ns) override;
  void on_response_end(ExchangeId id, BodyEnd end, uint64_t ts_ns) override;
  void on_exchange_done(ExchangeId id, const ConnMeta& conn, uint64_t ts_ns) override;

  const LlmActivityTapStats& stats() const { return stats_; }
  size_t calls_in_flight() const { return open_.size(); }

 private:
  void end_call(ExchangeId id);

  ExchangeSink& next_;
  LlmActivityListener& listener_;
  size_t max_tracked_;
  std::unordered_map<ExchangeId, uint32_t> open_;       // exchange -> pid
  std::unordered_map<uint32_t, uint32_t> per_process_;  // pid -> calls in flight (> 0)
  LlmActivityTapStats stats_;
};

}  // namespace agentprof
