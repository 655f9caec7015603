#include "cli/report_command.h"

#include <CLI/CLI.hpp>

#include <iostream>

#include <chrono>

#include "cli/report.h"
#include "cli/serve_config.h"
#include "cli/trace_options.h"
#include "store/store_query.h"

namespace agentprof {

void add_report_options(CLI::App& cmd, ReportCommandOptions& o) {
  cmd.add_option("files", o.files, "JSONL files written by `agentprof trace --jsonl`");
  cmd.add_option("--store", o.store, "Read spans from the embedded store (default path: " +
                 std::string(kDefaultStorePath) + ")")->expected(0, 1)->default_str(kDefaultStorePath);
  cmd.add_option("--since", o.since, "With --store: spans of the last DURATION (30m, 24h, 7d)");
  cmd.add_option("--by", o.by, "Group by provider, model, process, or all")
      ->check(CLI::IsMember({"all", "provider", "model", "process"}));
  cmd.add_option("--format", o.format, "table, json or csv")->check(CLI::IsMember({"table", "json", "csv"}));
}

int run_report_command(const ReportCommandOptions& o) {
  ReportOptions options;
  if (!o.store.empty() || o.files.empty()) {
    if (!o.files.empty()) {
      std::cerr << "agentprof report: give either JSONL files or --store, not both\n";
      return 2;
    }
    uint64_t since_s = 0;
    if (!o.since.empty() && !parse_duration_s(o.since, since_s)) {
      std::cerr << "agentprof report: --since: expected a duration like 30m, 24h or 7d\n";
      return 2;
    }
    uint64_t since_ns = 0;
    if (since_s) {
      uint64_t now_ns = uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::system_clock::now().time_since_epoch()).count());
      since_ns = now_ns > since_s * 1'000'000'000ull ? now_ns - since_s * 1'000'000'000ull : 0;
    }
    options.group_by = o.by;
    options.format = o.format;
    return run_store_report(o.store.empty() ? kDefaultStorePath : o.store, since_ns, options, std::cout, std::cerr);
  }
  options.jsonl_paths = o.files;
  options.group_by = o.by;
  options.format = o.format;
  return run_report(options, std::cout, std::cerr);
}

}  // namespace agentprof
