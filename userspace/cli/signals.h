// Process-wide stop and "print counters now" requests from signal handlers.
#pragma once

#include <atomic>

namespace agentprof {

extern std::atomic<bool> g_stop_requested;     // SIGINT, SIGTERM
extern std::atomic<bool> g_counters_requested; // SIGUSR1

void install_signal_handlers();

}  // namespace agentprof
