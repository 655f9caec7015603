// A small child process that outlives agentprof to resume the processes it held. Signal handlers
// cover SIGINT and SIGTERM, but not SIGKILL, the OOM killer or a crash: without this, a process
// stopped by the exec hold would stay stopped for good. The guardian keeps only the hold maps and a
// pipe from agentprof; when the pipe reports end of file (agentprof is gone, however it ended), it
// turns the hold off and resumes everything still in held_tgids, then exits.
#pragma once

#include <sys/types.h>

#include <string>

namespace agentprof {

class HoldGuardian {
 public:
  HoldGuardian() = default;
  ~HoldGuardian();
  HoldGuardian(const HoldGuardian&) = delete;
  HoldGuardian& operator=(const HoldGuardian&) = delete;

  // Forks the guardian. `held_fd` is held_tgids, `config_fd` ap_config_map (neither owned).
  bool start(int held_fd, int config_fd, std::string& error);
  // Closes agentprof's end of the pipe and reaps the guardian (waiting at most about a second).
  void stop();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int pipe_write_ = -1;
};

// The guardian's work once agentprof is gone, also what a clean exit amounts to: turns the hold off
// in `config_fd` (returns whether it was on through `was_on`) and resumes every process in `held_fd`.
// Async-signal-safe. Returns how many were resumed.
int resume_all_held(int held_fd, int config_fd, bool* was_on) noexcept;

}  // namespace agentprof
