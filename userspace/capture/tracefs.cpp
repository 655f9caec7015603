#include "capture/tracefs.h"

#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace agentprof {

bool ensure_tracefs(std::string& error) {
  struct stat st;
  if (stat("/sys/kernel/tracing/events", &st) == 0 || stat("/sys/kernel/debug/tracing/events", &st) == 0)
    return true;
  if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nullptr) == 0) return true;
  error = std::string("tracefs is not mounted and mounting it at /sys/kernel/tracing failed: ") +
          strerror(errno);
  return false;
}

}  // namespace agentprof
