// Tracepoint ids are read from tracefs; many minimal hosts and containers boot without it mounted.
#pragma once

#include <string>

namespace agentprof {

// Mounts tracefs at /sys/kernel/tracing unless it (or debugfs's tracing) is already there.
bool ensure_tracefs(std::string& error);

}  // namespace agentprof
