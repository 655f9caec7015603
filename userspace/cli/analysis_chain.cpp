#include "cli/analysis_chain.h"

#include <filesystem>

#include "cli/llm_pipeline.h"
#include <chrono>

#include "exporters/jsonl/jsonl_writer.h"
#include "exporters/otlp/otlp_http_exporter.h"
#include "exporters/terminal/terminal_table.h"
#include "store/span_store.h"
#include "trace/span_sink.h"

namespace agentprof {

namespace {

// `trace`'s sinks behind the LLM pipeline: JSONL, the live table, the embedded store.
class TraceChain : public AnalysisChain {
 public:
  bool init(const TraceOptions& o, std::string& error) {
    if (!o.jsonl.empty()) {
      jsonl_ = JsonlWriter::open(o.jsonl, &error);
      if (!jsonl_) return false;
      spans_.add(*jsonl_);
    }
    if (!o.quiet) {
      // With JSONL or raw bytes on stdout the live table moves to stderr.
      FILE* table_out = (o.jsonl == "-" || o.raw) ? stderr : stdout;
      table_ = std::make_unique<TerminalTable>(table_out);
      spans_.add(*table_);
    }
    if (!o.store.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(std::filesystem::path(o.store).parent_path(), ec);
      SpanStoreOptions so;
      so.path = o.store;
      store_ = SpanStore::open(so, &error);
      if (!store_) return false;
      spans_.add(*store_);
    }
    if (!o.otlp.empty()) {
      // Same exporter as `serve`: defaults, then OTEL_* variables, then the flag's endpoint.
      otlp::OtlpConfigResult cfg = otlp::otlp_config_from_env();
      if (!cfg.ok()) {
        error = cfg.error;
        return false;
      }
      cfg.config.endpoint = o.otlp;
      cfg.config.gzip = true;
      if (std::string v = cfg.config.validate(); !v.empty()) {
        error = "--otlp: " + v;
        return false;
      }
      otlp_ = std::make_unique<otlp::OtlpHttpExporter>(cfg.config);
      spans_.add(*otlp_);
    }
    pipeline_ = LlmPipeline::create({o.content, o.prices}, spans_, error);
    return pipeline_ != nullptr;
  }

  StreamSink& stream_sink() override { return pipeline_->stream_sink(); }
  void tick(uint64_t) override {}
  void finish() override {
    if (store_) store_->flush();
    if (otlp_ && !otlp_->shutdown(std::chrono::seconds(10)))
      fprintf(stderr, "agentprof: OTLP queue not fully sent before exit\n");
    fflush(stdout);
  }
  void print_counters(FILE* out) const override {
    pipeline_->print_counters(out);
    if (otlp_) {
      otlp::OtlpExporterStats s = otlp_->stats();
      fprintf(out, "  otlp: exported=%llu dropped=%llu rejected=%llu failed=%llu\n",
              (unsigned long long)s.spans_exported, (unsigned long long)(s.spans_dropped_queue_full + s.spans_dropped_shutdown),
              (unsigned long long)s.spans_rejected, (unsigned long long)s.spans_failed);
    }
    if (store_) {
      SpanStoreStats s = store_->stats();
      fprintf(out, "  store: written=%llu dropped=%llu write_errors=%llu\n", (unsigned long long)s.written,
              (unsigned long long)s.dropped_queue_full, (unsigned long long)s.write_errors);
    }
  }

 private:
  FanoutSpanSink spans_;
  std::unique_ptr<JsonlWriter> jsonl_;
  std::unique_ptr<TerminalTable> table_;
  std::unique_ptr<SpanStore> store_;
  std::unique_ptr<otlp::OtlpHttpExporter> otlp_;
  std::unique_ptr<LlmPipeline> pipeline_;  // last: destroyed first, before the sinks it feeds
};

}  // namespace

std::unique_ptr<AnalysisChain> make_analysis_chain(const TraceOptions& options, std::string& error) {
  auto chain = std::make_unique<TraceChain>();
  if (!chain->init(options, error)) return nullptr;
  return chain;
}

}  // namespace agentprof
