// Turns each reconstructed LlmCall into one span (OTel GenAI semconv v1.41.0 attribute names,
// see attribute_names.h) and hands it to a SpanSink.
//
// Rules:
//  - name: "{operation} {request model, else response model}"; just the operation when no model
//    is known; "llm_call" when even the operation is unknown.
//  - kind: SERVER when the traced process accepted the connection, CLIENT otherwise (client or
//    unknown role).
//  - time: monotonic ns converted with a ClockOffset captured once. start = earliest timestamp
//    seen, end = latest. A call with no timestamp at all gets start = end = build time and
//    agentprof.timing.missing = true rather than a 1970 date.
//  - optional LlmCall fields that are absent are omitted, never written as 0.
//  - error when HTTP status >= 400, a provider error type is set, or the call is incomplete.
//    error.type is the provider error type, else the status code as text, else
//    "agentprof.incomplete" when the only problem is an incomplete response.
//  - each span starts its own trace (no parent); grouping into sessions is a later step.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "llm/llm_call.h"
#include "trace/clock_offset.h"
#include "trace/id_generator.h"
#include "trace/span_sink.h"

namespace agentprof {

struct SpanBuilderOptions {
  ClockOffset clock = ClockOffset::capture();
  std::optional<uint64_t> id_seed;                          // fixed seed for reproducible ids
  std::function<uint64_t()> monotonic_now = monotonic_now_ns;  // for calls with no timestamp
};

// Called from the one pipeline thread that emits LlmCalls (the counters are not atomic).
class SpanBuilder : public LlmCallSink {
 public:
  explicit SpanBuilder(SpanSink& sink, SpanBuilderOptions options = {});

  void on_llm_call(LlmCall&& call) override;

  // The span for one call, without emitting it.
  Span build(const LlmCall& call);

  uint64_t spans_built() const { return spans_built_; }
  uint64_t spans_without_timing() const { return spans_without_timing_; }

 private:
  SpanSink& sink_;
  SpanBuilderOptions options_;
  IdGenerator ids_;
  uint64_t spans_built_ = 0;
  uint64_t spans_without_timing_ = 0;
};

}  // namespace agentprof
