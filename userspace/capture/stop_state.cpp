#include "capture/stop_state.h"

#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

namespace agentprof {

namespace {

// Reads a /proc file into `buf` (NUL-terminated); returns its length or -1.
ssize_t read_small_file(const char* path, char* buf, size_t size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t used = 0;
  while (used + 1 < size) {
    ssize_t n = read(fd, buf + used, size - 1 - used);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    used += size_t(n);
  }
  close(fd);
  buf[used] = 0;
  return ssize_t(used);
}

}  // namespace

char parse_process_state(std::string_view status) {
  size_t at = 0;
  while (at < status.size()) {
    size_t end = status.find('\n', at);
    if (end == std::string_view::npos) end = status.size();
    std::string_view line = status.substr(at, end - at);
    if (line.substr(0, 6) == "State:") {
      line.remove_prefix(6);
      while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
      return line.empty() ? 0 : line.front();
    }
    at = end + 1;
  }
  return 0;
}

ResumeOutcome resume_held_process(pid_t pid) noexcept {
  if (kill(pid, SIGCONT) != 0 && errno == ESRCH) return ResumeOutcome::kGone;
  return ResumeOutcome::kResumed;
}

bool wait_until_stopped(pid_t pid, pid_t tid, int timeout_ms) {
  const std::string path = "/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/status";
  char status[8192];
  timespec start{}, now{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    if (read_small_file(path.c_str(), status, sizeof(status)) < 0) return false;
    const char state = parse_process_state(status);
    if (state == 'T' || state == 't') return true;
    if (state == 'Z' || state == 'X') return false;
    clock_gettime(CLOCK_MONOTONIC, &now);
    const int64_t waited_ns = int64_t(now.tv_sec - start.tv_sec) * 1'000'000'000 + (now.tv_nsec - start.tv_nsec);
    if (waited_ns >= int64_t(timeout_ms) * 1'000'000) return false;
    const timespec pause{0, 100'000};
    nanosleep(&pause, nullptr);
  }
}

}  // namespace agentprof
