// Who is waiting on an LLM right now: whoever decodes LLM calls (the LLM pipeline) reports the
// number of calls each process has in flight; CPU profiling tags its samples with it.
#pragma once

#include <cstdint>

namespace agentprof {

class LlmActivityListener {
 public:
  virtual ~LlmActivityListener() = default;
  // `pid` now has `calls` LLM calls in flight (0: none). Called on the capture thread, on every change.
  virtual void on_llm_calls_in_flight(uint32_t pid, uint32_t calls) = 0;
};

}  // namespace agentprof
