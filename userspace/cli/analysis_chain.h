// Everything after the stream stage, wired for `agentprof trace`: HTTP parsing, LLM decoding,
// spans and their sinks. Kept behind one small interface so the capture loop stays simple.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/trace_options.h"
#include "stream/stream_sink.h"

namespace agentprof {

class AnalysisChain {
 public:
  virtual ~AnalysisChain() = default;
  virtual StreamSink& stream_sink() = 0;
  virtual void tick(uint64_t now_ns) = 0;
  // Flushes every completed span to the sinks.
  virtual void finish() = 0;
  // Counters of the stages (parse errors, gaps, truncations, unpriced calls, ...).
  virtual void print_counters(FILE* out) const = 0;
};

// Returns nullptr and sets `error` when an output cannot be opened or the price file is invalid.
std::unique_ptr<AnalysisChain> make_analysis_chain(const TraceOptions& options, std::string& error);

}  // namespace agentprof
