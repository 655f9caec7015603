#include "cli/report_command.h"

#include <CLI/CLI.hpp>

#include <cstdio>

namespace agentprof {

void add_report_options(CLI::App& cmd, ReportCommandOptions& o) {
  cmd.add_option("files", o.files, "JSONL files written by `agentprof trace --jsonl`")->required();
  cmd.add_option("--by", o.by, "Group by provider, model, process, or all")
      ->check(CLI::IsMember({"all", "provider", "model", "process"}));
  cmd.add_option("--format", o.format, "table, json or csv")->check(CLI::IsMember({"table", "json", "csv"}));
}

int run_report_command(const ReportCommandOptions&) {
  fprintf(stderr, "agentprof report: not wired yet\n");
  return 1;
}

}  // namespace agentprof
