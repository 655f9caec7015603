// `agentprof report`: summarizes span JSONL files (as written by JsonlWriter) per provider, model
// and/or process: calls, errors, tokens, cost, latency and time-to-first-chunk percentiles.
//
// Definitions:
//  - model = gen_ai.response.model, else gen_ai.request.model; process = process.executable.name;
//    a missing value groups under "-".
//  - unknown usage: a call without gen_ai.usage.input_tokens, or without
//    gen_ai.usage.output_tokens (except embeddings, which have no output). Token sums only add
//    calls whose count is known; unknown counts are never added as 0.
//  - cost sums agentprof.cost_usd over priced calls; "unpriced" counts the others.
//  - latency = end - start of the span (skipped when agentprof.timing.missing);
//    TTFT = gen_ai.response.time_to_first_chunk (streams only).
//  - percentiles are exact nearest-rank: the smallest value with at least p% of the values at
//    or below it, i.e. sorted[ceil(p/100 * n) - 1]. No interpolation.
//  - malformed lines are counted, the first few reported on `err` with file:line and reason;
//    they never stop the report.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace agentprof {

struct ReportOptions {
  std::vector<std::string> jsonl_paths;  // "-" = standard input
  std::string group_by = "all";          // provider | model | process | all (three tables)
  std::string format = "table";          // table | json | csv
};

// Exit status: 0 ok, 1 a file could not be read (the others are still reported), 2 bad options.
int run_report(const ReportOptions& options, std::ostream& out, std::ostream& err);

}  // namespace agentprof
