// The decoding half of agentprof: ordered stream bytes -> HTTP exchanges -> LLM calls -> spans,
// handed to one SpanSink. `trace` and `serve` put different sinks behind it.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "stream/stream_sink.h"
#include "trace/span_sink.h"

namespace agentprof {

class HttpStage;
class LlmStage;
class LlmActivityTap;
class LlmActivityListener;
class PriceTable;
class SpanBuilder;
class ContainerAttributes;
class ProcessIdentityTap;
struct HttpStats;
struct LlmStageStats;

struct LlmPipelineOptions {
  bool capture_content = false;
  std::string prices_file;  // user price table merged over the built-in one
  // Told how many LLM calls each process has in flight (CPU profiling's split); may be null.
  LlmActivityListener* activity = nullptr;
};

class LlmPipeline {
 public:
  // Returns nullptr and sets `error` when the price table cannot be loaded.
  static std::unique_ptr<LlmPipeline> create(const LlmPipelineOptions& options, SpanSink& spans,
                                             std::string& error);
  ~LlmPipeline();
  StreamSink& stream_sink();
  const HttpStats& http_stats() const;
  const LlmStageStats& llm_stats() const;
  void print_counters(FILE* out) const;

 private:
  LlmPipeline();
  std::unique_ptr<PriceTable> prices_;
  std::unique_ptr<ContainerAttributes> containers_;
  std::unique_ptr<SpanBuilder> builder_;
  std::unique_ptr<LlmStage> llm_;
  std::unique_ptr<LlmActivityTap> tap_;  // between http_ and llm_ when activity is wanted
  std::unique_ptr<HttpStage> http_;
  std::unique_ptr<ProcessIdentityTap> identities_;  // in front of http_
};

}  // namespace agentprof
