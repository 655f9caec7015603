// `agentprof flame`: sample the CPU of chosen processes for a while and write a flame graph
// (.svg, .folded, .pb.gz, .json by extension).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace agentprof {

struct FlameOptions {
  std::vector<uint32_t> pids;
  std::string comm;
  std::string cgroup;
  double duration_s = 10;
  uint32_t frequency_hz = 99;
  std::string output;
  bool no_python = false;
  bool quiet = false;  // no progress line
  // Hidden: pids treated as having an LLM call in flight for the whole capture. Exercises the
  // in-flight split end to end until `agentprof trace` feeds real call intervals.
  std::vector<uint32_t> llm_in_flight_pids;
};

// Registers the subcommand; when it is chosen, main calls run_flame with the parsed options.
CLI::App* add_flame_command(CLI::App& app, FlameOptions& options);
int run_flame(const FlameOptions& options);

}  // namespace agentprof
