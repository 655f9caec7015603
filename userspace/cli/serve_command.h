// `agentprof serve`: command-line glue.
#pragma once

namespace CLI {
class App;
}

namespace agentprof {

struct ServeFlags;
CLI::App* add_serve_command(CLI::App& app, ServeFlags& flags);
int run_serve(const ServeFlags& flags);

}  // namespace agentprof
