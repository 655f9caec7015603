#include "cli/analysis_chain.h"

#include <cinttypes>
#include <vector>

#include "exporters/jsonl/jsonl_writer.h"
#include "exporters/terminal/terminal_table.h"
#include "http/http_stage.h"
#include "llm/llm_stage.h"
#include "llm/pricing.h"
#include "trace/span_builder.h"
#include "trace/span_sink.h"

namespace agentprof {

namespace {

// stream -> http -> llm -> spans -> (jsonl, terminal table)
class LlmChain : public AnalysisChain {
 public:
  bool init(const TraceOptions& o, std::string& error) {
    if (!prices_.load_defaults(error)) return false;
    if (!o.prices.empty() && !prices_.merge_file(o.prices, error)) return false;
    if (!o.jsonl.empty()) {
      jsonl_ = JsonlWriter::open(o.jsonl, &error);
      if (!jsonl_) return false;
      spans_.add(*jsonl_);
    }
    if (!o.quiet) {
      // With JSONL on stdout the live table moves to stderr so the JSONL stays machine-readable.
      FILE* table_out = (o.jsonl == "-" || o.raw) ? stderr : stdout;
      table_ = std::make_unique<TerminalTable>(table_out);
      spans_.add(*table_);
    }
    builder_ = std::make_unique<SpanBuilder>(spans_);
    LlmStageOptions lo;
    lo.capture_content = o.content;
    llm_ = std::make_unique<LlmStage>(*builder_, prices_, lo);
    http_ = std::make_unique<HttpStage>(*llm_);
    return true;
  }

  StreamSink& stream_sink() override { return *http_; }
  void tick(uint64_t) override {}
  void finish() override { fflush(stdout); }

  void print_counters(FILE* out) const override {
    const HttpStats& h = http_->stats();
    const LlmStageStats& l = llm_->stats();
    fprintf(out,
            "  http: requests=%" PRIu64 " responses=%" PRIu64 " parse_errors=%" PRIu64 " gaps=%" PRIu64
            " bodies_cut_by_gap=%" PRIu64 " truncated_bodies=%" PRIu64 " decode_errors=%" PRIu64
            " not_http=%" PRIu64 " http2=%" PRIu64 "\n",
            h.requests, h.responses, h.parse_errors, h.gaps, h.bodies_cut_by_gap, h.truncated_bodies,
            h.decode_errors, h.connections_not_http, h.http2_connections);
    fprintf(out,
            "  llm: calls=%" PRIu64 " non_llm_exchanges=%" PRIu64 " incomplete=%" PRIu64
            " usage_missing=%" PRIu64 " unpriced=%" PRIu64 " decode_errors=%" PRIu64
            " request_truncated=%" PRIu64 " response_truncated=%" PRIu64 " dropped=%" PRIu64 "\n",
            l.llm_calls, l.non_llm_exchanges, l.incomplete_calls, l.usage_missing, l.unpriced_calls,
            l.decode_errors, l.request_truncated, l.response_truncated, l.dropped_exchanges);
  }

 private:
  PriceTable prices_;
  FanoutSpanSink spans_;
  std::unique_ptr<JsonlWriter> jsonl_;
  std::unique_ptr<TerminalTable> table_;
  std::unique_ptr<SpanBuilder> builder_;
  std::unique_ptr<LlmStage> llm_;
  std::unique_ptr<HttpStage> http_;
};

}  // namespace

std::unique_ptr<AnalysisChain> make_analysis_chain(const TraceOptions& options, std::string& error) {
  auto chain = std::make_unique<LlmChain>();
  if (!chain->init(options, error)) return nullptr;
  return chain;
}

}  // namespace agentprof
