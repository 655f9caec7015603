// `agentprof report`: CLI glue to the report library.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace agentprof {

struct ReportCommandOptions {
  std::vector<std::string> files;
  std::string by = "all";
  std::string format = "table";
  std::string store;  // read spans from this store instead of files
  std::string since;  // with --store: only spans started within this duration ("24h")
};

void add_report_options(CLI::App& cmd, ReportCommandOptions& options);
int run_report_command(const ReportCommandOptions& options);

}  // namespace agentprof
