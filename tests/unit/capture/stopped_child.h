// A child process for the hold tests: sleeps until killed, can be stopped like the exec hold stops a
// process (SIGSTOP), and tells whether it is stopped or running. Killed and reaped on destruction.
#pragma once

#include <sys/types.h>

namespace hold_test {

class Child {
 public:
  Child();
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  // Sends SIGSTOP and waits until the child is stopped.
  void stop();
  // The state letter of /proc/PID/stat ('S', 'T', ...); 0 once reaped or unreadable.
  char state() const;
  // Waits up to `ms` for the state to become `want`.
  bool wait_for_state(char want, int ms) const;
  // Kills and reaps it now (its pid then names no process, until reused).
  void end();

 private:
  pid_t pid_ = -1;
};

}  // namespace hold_test
