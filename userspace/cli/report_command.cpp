#include "cli/report_command.h"

#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/report.h"

namespace agentprof {

void add_report_options(CLI::App& cmd, ReportCommandOptions& o) {
  cmd.add_option("files", o.files, "JSONL files written by `agentprof trace --jsonl`")->required();
  cmd.add_option("--by", o.by, "Group by provider, model, process, or all")
      ->check(CLI::IsMember({"all", "provider", "model", "process"}));
  cmd.add_option("--format", o.format, "table, json or csv")->check(CLI::IsMember({"table", "json", "csv"}));
}

int run_report_command(const ReportCommandOptions& o) {
  ReportOptions options;
  options.jsonl_paths = o.files;
  options.group_by = o.by;
  options.format = o.format;
  return run_report(options, std::cout, std::cerr);
}

}  // namespace agentprof
