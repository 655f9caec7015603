// Stopping and resuming a held process from userspace: waiting until a held thread has actually
// stopped, and resuming it. The kernel side holds only running processes (never one stopped or
// stopping already, see bpf/proc.bpf.c), so resuming what it held never undoes an earlier stop.
// Used after fork() by the hold guardian too: the resume path is async-signal-safe.
#pragma once

#include <sys/types.h>

#include <string_view>

namespace agentprof {

// The state letter of a "State:" line of /proc/PID/status ('R', 'S', 'T' stopped, 't' traced, ...);
// 0 when absent.
char parse_process_state(std::string_view status);

enum class ResumeOutcome {
  kResumed,  // SIGCONT sent (it also discards a SIGSTOP not acted on yet)
  kGone,     // the process no longer exists
};

ResumeOutcome resume_held_process(pid_t pid) noexcept;

// Waits (up to `timeout_ms`) until thread `tid` of `pid` is stopped; false on timeout or when it
// is gone. A hold sent from inside a syscall takes effect when the syscall returns: until then what
// the syscall maps may not be visible in /proc/PID/maps.
bool wait_until_stopped(pid_t pid, pid_t tid, int timeout_ms);

}  // namespace agentprof
