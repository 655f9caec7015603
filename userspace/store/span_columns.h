// The indexed/aggregated columns of one span's store row, taken from its attributes with the same
// definitions `agentprof report` uses (userspace/cli/report.h): model = response model else request
// model; unknown or negative token counts and invalid costs/times are NULL, never 0.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "trace/span.h"

namespace agentprof {

struct SpanColumns {
  std::string operation, provider, model, process, error_type;  // "" = NULL
  std::optional<int64_t> pid, input_tokens, output_tokens;
  std::optional<double> cost_usd, duration_s, ttft_s;
};

SpanColumns span_columns(const Span& span);

}  // namespace agentprof
