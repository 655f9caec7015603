#include "cli/llm_pipeline.h"

#include <cinttypes>

#include "cli/llm_activity_tap.h"
#include "http/http_stage.h"
#include "llm/llm_stage.h"
#include "llm/pricing.h"
#include "trace/container_attributes.h"
#include "trace/process_identity_tap.h"
#include "trace/span_builder.h"

namespace agentprof {

LlmPipeline::LlmPipeline() = default;
LlmPipeline::~LlmPipeline() = default;

std::unique_ptr<LlmPipeline> LlmPipeline::create(const LlmPipelineOptions& o, SpanSink& spans,
                                                 std::string& error) {
  std::unique_ptr<LlmPipeline> p(new LlmPipeline());
  p->prices_ = std::make_unique<PriceTable>();
  if (!p->prices_->load_defaults(error)) return nullptr;
  if (!o.prices_file.empty() && !p->prices_->merge_file(o.prices_file, error)) return nullptr;
  p->containers_ = std::make_unique<ContainerAttributes>(spans);
  p->builder_ = std::make_unique<SpanBuilder>(*p->containers_);
  LlmStageOptions lo;
  lo.capture_content = o.capture_content;
  p->llm_ = std::make_unique<LlmStage>(*p->builder_, *p->prices_, lo);
  ExchangeSink* exchanges = p->llm_.get();
  if (o.activity) {
    p->tap_ = std::make_unique<LlmActivityTap>(*p->llm_, *o.activity);
    exchanges = p->tap_.get();
  }
  p->http_ = std::make_unique<HttpStage>(*exchanges);
  p->identities_ = std::make_unique<ProcessIdentityTap>(*p->http_, *p->containers_);
  return p;
}

StreamSink& LlmPipeline::stream_sink() { return *identities_; }
const HttpStats& LlmPipeline::http_stats() const { return http_->stats(); }
const LlmStageStats& LlmPipeline::llm_stats() const { return llm_->stats(); }

void LlmPipeline::print_counters(FILE* out) const {
  const HttpStats& h = http_->stats();
  const LlmStageStats& l = llm_->stats();
  fprintf(out,
          "  http: requests=%" PRIu64 " responses=%" PRIu64 " parse_errors=%" PRIu64 " gaps=%" PRIu64
          " bodies_cut_by_gap=%" PRIu64 " truncated_bodies=%" PRIu64 " decode_errors=%" PRIu64
          " not_http=%" PRIu64 " http2=%" PRIu64 " http2_undecodable=%" PRIu64 " http2_reset_streams=%" PRIu64
          " http2_pushed=%" PRIu64 "\n",
          h.requests, h.responses, h.parse_errors, h.gaps, h.bodies_cut_by_gap, h.truncated_bodies,
          h.decode_errors, h.connections_not_http, h.http2_connections, h.h2_undecodable_connections,
          h.h2_reset_streams, h.h2_pushed_streams);
  fprintf(out,
          "  llm: calls=%" PRIu64 " non_llm_exchanges=%" PRIu64 " incomplete=%" PRIu64
          " usage_missing=%" PRIu64 " unpriced=%" PRIu64 " decode_errors=%" PRIu64
          " request_truncated=%" PRIu64 " response_truncated=%" PRIu64 " dropped=%" PRIu64 "\n",
          l.llm_calls, l.non_llm_exchanges, l.incomplete_calls, l.usage_missing, l.unpriced_calls,
          l.decode_errors, l.request_truncated, l.response_truncated, l.dropped_exchanges);
}

}  // namespace agentprof
