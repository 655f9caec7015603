// Live terminal view: one line per completed LLM call, fitting 80 columns, under a header line.
//
//   TIME     PROCESS     PROVIDER  MODEL          IN  OUT  TTFT   DUR   COST STATUS
//   14:03:07 python3[42] anthropic claude-sonn~ 1.2k  845 0.42s 3.10s $0.012 ok
//
// Unknown values are "-". Text longer than its column is cut and ends with '~'; bytes that are
// not printable ASCII (escape sequences from the wire!) are shown as '?'. STATUS is "ok", the
// HTTP status code for HTTP errors, else the error type without its "_error" suffix, or
// "partial" for a response that was cut short.
#pragma once

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

#include "trace/span_sink.h"

namespace agentprof {

struct TerminalTableOptions {
  bool utc = false;  // show times in UTC instead of local time (tests, servers)
};

class TerminalTable : public SpanSink {
 public:
  explicit TerminalTable(FILE* out, TerminalTableOptions options = {});

  // Prints the header before the first row, then one row per span, flushed.
  void on_span(const Span& span) override;

  static std::string header_line();
  static std::string format_row(const Span& span, const TerminalTableOptions& options);

  // Column cell formats, exposed for tests.
  static std::string format_count(int64_t n);       // 999, 1.2k, 12k, 1.2M ... (<= 4 chars)
  static std::string format_seconds(double s);      // 0.42s, 12.3s, 123s ... (<= 5 chars)
  static std::string format_cost(double usd);       // $0.012, $12.35, $123.4 ... (<= 6 chars)

 private:
  FILE* out_;
  TerminalTableOptions options_;
  std::mutex mu_;
  bool header_printed_ = false;
};

}  // namespace agentprof
