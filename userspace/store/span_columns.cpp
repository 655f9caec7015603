#include "store/span_columns.h"

#include <cmath>

#include "trace/attribute_names.h"

namespace agentprof {

namespace {

std::string text(const Span& span, const char* key) {
  const std::string* v = span.get<std::string>(key);
  return v ? *v : std::string();
}

std::optional<int64_t> count(const Span& span, const char* key) {
  const int64_t* v = span.get<int64_t>(key);
  if (!v || *v < 0) return std::nullopt;
  return *v;
}

std::optional<double> nonnegative(const Span& span, const char* key) {
  const double* v = span.get<double>(key);
  if (!v || !(*v >= 0) || std::isinf(*v)) return std::nullopt;
  return *v;
}

}  // namespace

SpanColumns span_columns(const Span& span) {
  SpanColumns c;
  c.operation = text(span, attr::kOperationName);
  c.provider = text(span, attr::kProviderName);
  c.model = text(span, attr::kResponseModel);
  if (c.model.empty()) c.model = text(span, attr::kRequestModel);
  c.process = text(span, attr::kProcessExecutableName);
  c.error_type = text(span, attr::kErrorType);
  if (const int64_t* pid = span.get<int64_t>(attr::kProcessPid)) c.pid = *pid;
  c.input_tokens = count(span, attr::kUsageInputTokens);
  c.output_tokens = count(span, attr::kUsageOutputTokens);
  c.cost_usd = nonnegative(span, attr::kCostUsd);
  if (!span.get<bool>(attr::kTimingMissing) && span.end_unix_ns >= span.start_unix_ns)
    c.duration_s = double(span.end_unix_ns - span.start_unix_ns) / 1e9;
  c.ttft_s = nonnegative(span, attr::kResponseTimeToFirstChunk);
  return c;
}

}  // namespace agentprof
