// Resuming a held process and waiting for a held thread to stop, on real child processes; the state
// letter from /proc/PID/status on fixed texts.
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <chrono>

#include "capture/stop_state.h"
#include "stopped_child.h"

using agentprof::parse_process_state;
using agentprof::ResumeOutcome;
using agentprof::resume_held_process;

TEST_CASE("the state letter of /proc/PID/status") {
  CHECK(parse_process_state("Name:\tclient\nUmask:\t0022\nState:\tT (stopped)\nTgid:\t7\n") == 'T');
  CHECK(parse_process_state("Name:\tState: R\nState:\tS (sleeping)\n") == 'S');  // a line, not a substring
  CHECK(parse_process_state("State:\tt (tracing stop)") == 't');
  CHECK(parse_process_state("Name:\tclient\n") == 0);
  CHECK(parse_process_state("") == 0);
}

TEST_CASE("a stopped child is resumed") {
  hold_test::Child child;
  child.stop();
  CHECK(child.state() == 'T');
  CHECK(resume_held_process(child.pid()) == ResumeOutcome::kResumed);
  CHECK(child.wait_for_state('S', 2000));
}

TEST_CASE("a resume right after the SIGSTOP leaves the child running") {
  // The hold's SIGSTOP is pending until the task returns to user mode, and userspace may resume
  // before that. Here too the SIGSTOP may not have been acted on yet: whichever happened, SIGCONT
  // must leave the child running, not stopping later.
  hold_test::Child child;
  kill(child.pid(), SIGSTOP);
  CHECK(resume_held_process(child.pid()) == ResumeOutcome::kResumed);
  CHECK(child.wait_for_state('S', 2000));
  usleep(50'000);
  CHECK(child.state() == 'S');
}

TEST_CASE("a gone process is reported gone") {
  hold_test::Child child;
  const pid_t pid = child.pid();
  child.end();
  CHECK(resume_held_process(pid) == ResumeOutcome::kGone);
}

TEST_CASE("wait_until_stopped: true for a stopped thread, false after the timeout otherwise") {
  hold_test::Child child;
  auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(agentprof::wait_until_stopped(child.pid(), child.pid(), 50));
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(50));
  child.stop();
  CHECK(agentprof::wait_until_stopped(child.pid(), child.pid(), 50));
  kill(child.pid(), SIGCONT);
}
