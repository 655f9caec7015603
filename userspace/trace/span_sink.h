// Where finished spans go: exporters implement SpanSink; FanoutSpanSink copies each span to several.
#pragma once

#include <vector>

#include "trace/span.h"

namespace agentprof {

class SpanSink {
 public:
  virtual ~SpanSink() = default;
  virtual void on_span(const Span& span) = 0;
};

// Forwards every span to each added sink, in the order they were added. Does not own the sinks.
class FanoutSpanSink : public SpanSink {
 public:
  void add(SpanSink& sink) { sinks_.push_back(&sink); }
  size_t size() const { return sinks_.size(); }
  void on_span(const Span& span) override {
    for (SpanSink* s : sinks_) s->on_span(span);
  }

 private:
  std::vector<SpanSink*> sinks_;
};

}  // namespace agentprof
