#include "cli/analysis_chain.h"

namespace agentprof {

namespace {

// Placeholder until the http/llm stages are wired: consumes nothing.
class NullChain : public AnalysisChain, public StreamSink {
 public:
  StreamSink& stream_sink() override { return *this; }
  void tick(uint64_t) override {}
  void finish() override {}
  void print_counters(FILE*) const override {}
  void on_bytes(const ConnMeta&, Direction, uint64_t, std::span<const uint8_t>) override {}
  void on_gap(const ConnMeta&, Direction, uint64_t) override {}
  void on_close(const ConnMeta&, CloseReason, uint64_t) override {}
};

}  // namespace

std::unique_ptr<AnalysisChain> make_analysis_chain(const TraceOptions&, std::string&) {
  return std::make_unique<NullChain>();
}

}  // namespace agentprof
