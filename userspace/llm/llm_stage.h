// The llm stage: receives HTTP exchanges incrementally, recognises LLM API calls, decodes them with
// the API family's decoder and emits one LlmCall per call (with its cost) when the exchange ends.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "http/exchange_sink.h"
#include "llm/api_decoder.h"
#include "llm/llm_call.h"
#include "llm/pricing.h"
#include "llm/request_route.h"
#include "llm/response_framer.h"

namespace agentprof {

struct LlmStageOptions {
  bool capture_content = false;              // keep prompts and output text (opt-in)
  size_t max_body_bytes = 8 * 1024 * 1024;   // request body / non-streamed response / one stream event
  size_t max_content_bytes = 64 * 1024;      // cap for input_messages and output_text each
  size_t max_live_exchanges = 4096;          // LLM exchanges in flight; more are dropped, counted
  // All buffered request bodies and non-streamed response bodies together; past it, bodies are
  // treated as over the cap (truncated), so many large calls at once cannot exhaust memory.
  size_t max_total_buffered_bytes = 128 * 1024 * 1024;
};

struct LlmStageStats {
  uint64_t exchanges_seen = 0;
  uint64_t llm_calls = 0;             // LlmCalls emitted
  uint64_t non_llm_exchanges = 0;     // not an LLM API: nothing emitted
  uint64_t decode_errors = 0;         // bodies/events that were not the JSON their API sends
  uint64_t unpriced_calls = 0;        // no cost: unknown model or missing counts
  uint64_t usage_missing = 0;         // complete responses without usage on the wire
  uint64_t incomplete_calls = 0;
  uint64_t request_truncated = 0;     // request bodies over the cap
  uint64_t response_truncated = 0;    // response bodies (or stream events) over the cap
  uint64_t dropped_exchanges = 0;     // over max_live_exchanges
  uint64_t buffer_budget_hits = 0;    // bodies cut because max_total_buffered_bytes was reached
  uint64_t unknown_exchange_events = 0;  // calls for an id never opened (or already done)
};

class LlmStage : public ExchangeSink {
 public:
  LlmStage(LlmCallSink& sink, const PriceTable& prices, LlmStageOptions options = {});
  ~LlmStage() override;

  void on_request_head(ExchangeId id, const ConnMeta& conn, const HttpRequestHead& head,
                       uint64_t ts_ns) override;
  void on_request_body(ExchangeId id, std::span<const uint8_t> decoded, uint64_t ts_ns) override;
  void on_request_end(ExchangeId id, BodyEnd end, uint64_t ts_ns) override;
  void on_response_head(ExchangeId id, const HttpResponseHead& head, uint64_t ts_ns) override;
  void on_response_body(ExchangeId id, std::span<const uint8_t> decoded, uint64_t ts_ns) override;
  void on_response_end(ExchangeId id, BodyEnd end, uint64_t ts_ns) override;
  void on_exchange_done(ExchangeId id, const ConnMeta& conn, uint64_t ts_ns) override;

  const LlmStageStats& stats() const { return stats_; }
  size_t live_exchanges() const { return live_.size(); }
  size_t buffered_bytes() const { return buffered_bytes_; }

 private:
  struct Exchange;
  class ValueDispatcher;

  Exchange* find(ExchangeId id);
  bool reserve(Exchange& ex, size_t n);
  void release(Exchange& ex);
  void start_decoding(Exchange& ex);
  void on_frame(Exchange& ex, std::string_view event, std::string_view data, uint64_t ts_ns);
  void finalize(Exchange& ex, uint64_t ts_ns);

  LlmCallSink& sink_;
  const PriceTable& prices_;
  LlmStageOptions options_;
  DecoderOptions decoder_options_;
  simdjson::dom::parser json_;  // shared: one value is parsed at a time
  std::unordered_map<ExchangeId, std::unique_ptr<Exchange>> live_;
  // Exchanges that are not LLM calls (or were dropped): their later events are ignored quietly.
  std::unordered_set<ExchangeId> ignored_;
  LlmStageStats stats_;
  size_t buffered_bytes_ = 0;  // accounted against max_total_buffered_bytes
};

}  // namespace agentprof
