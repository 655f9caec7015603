#include "cli/signals.h"

#include <csignal>

namespace agentprof {

std::atomic<bool> g_stop_requested{false};
std::atomic<bool> g_counters_requested{false};

namespace {
void on_stop(int) { g_stop_requested.store(true); }
void on_usr1(int) { g_counters_requested.store(true); }
}  // namespace

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

}  // namespace agentprof
