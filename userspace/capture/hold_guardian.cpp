#include "capture/hold_guardian.h"

#include <bpf/bpf.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "capture/stop_state.h"
#include "events.h"

namespace agentprof {

int resume_all_held(int held_fd, int config_fd, bool* was_on) noexcept {
  uint32_t zero = 0;
  ap_config cfg{};
  bool on = false;
  if (bpf_map_lookup_elem(config_fd, &zero, &cfg) == 0) {
    on = cfg.hold_new_files != 0;
    if (on) {
      cfg.hold_new_files = 0;
      bpf_map_update_elem(config_fd, &zero, &cfg, BPF_ANY);
    }
  }
  if (was_on) *was_on = on;
  int resumed = 0;
  // Each claimed entry is deleted, so the first key is always a new one; bounded by the map size.
  for (int guard = 0; guard < 65536; ++guard) {
    uint32_t tgid = 0;
    ap_hold hold{};
    if (bpf_map_get_next_key(held_fd, nullptr, &tgid) != 0) break;
    if (bpf_map_lookup_and_delete_elem(held_fd, &tgid, &hold) != 0) continue;
    if (resume_held_process(pid_t(tgid)) == ResumeOutcome::kResumed) resumed++;
  }
  return resumed;
}

namespace {

void write_all(int fd, const char* s, size_t n) noexcept {
  while (n > 0) {
    ssize_t w = write(fd, s, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    s += w;
    n -= size_t(w);
  }
}

// Closes every descriptor but 0-2 and `keep` (sorted in place).
void close_all_but(int* keep, int n) noexcept {
  std::sort(keep, keep + n);
  unsigned from = 3;
  for (int i = 0; i < n; ++i) {
    if (unsigned(keep[i]) > from) syscall(SYS_close_range, from, unsigned(keep[i]) - 1, 0u);
    from = std::max(from, unsigned(keep[i]) + 1);
  }
  syscall(SYS_close_range, from, ~0u, 0u);
}

[[noreturn]] void guardian_main(int pipe_read, int held_fd, int config_fd) noexcept {
  int keep[] = {pipe_read, held_fd, config_fd};
  close_all_but(keep, 3);
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
    close(null);
  }
  // It must outlive agentprof: the terminal's and a service manager's signals are for agentprof.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU})
    sigaction(sig, &ignore, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  prctl(PR_SET_NAME, "agentprof-guard", 0, 0, 0);

  char byte;
  for (;;) {
    ssize_t n = read(pipe_read, &byte, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // end of file: every copy of the write end is closed, agentprof is gone
  }
  bool was_on = false;
  int resumed = resume_all_held(held_fd, config_fd, &was_on);
  if (was_on) {
    // agentprof did not get to turn the hold off: its programs may still be running for a moment
    // (its descriptors close one by one). A second pass catches a hold made meanwhile.
    const timespec pause{0, 50'000'000};
    nanosleep(&pause, nullptr);
    resumed += resume_all_held(held_fd, config_fd, nullptr);
  }
  if (resumed > 0) {
    char msg[96] = "agentprof-guard: resumed ";
    size_t len = strlen(msg);
    char digits[12];
    int d = 0;
    do {
      digits[d++] = char('0' + resumed % 10);
      resumed /= 10;
    } while (resumed > 0);
    while (d > 0) msg[len++] = digits[--d];
    const char tail[] = " held process(es) after agentprof ended\n";
    memcpy(msg + len, tail, sizeof(tail) - 1);
    write_all(2, msg, len + sizeof(tail) - 1);
  }
  _exit(0);
}

}  // namespace

bool HoldGuardian::start(int held_fd, int config_fd, std::string& error) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    error = std::string("hold guardian pipe: ") + strerror(errno);
    return false;
  }
  pid_t pid = fork();
  if (pid < 0) {
    error = std::string("forking the hold guardian: ") + strerror(errno);
    close(fds[0]);
    close(fds[1]);
    return false;
  }
  if (pid == 0) guardian_main(fds[0], held_fd, config_fd);  // (closes the write end with the rest)
  close(fds[0]);
  pid_ = pid;
  pipe_write_ = fds[1];
  return true;
}

void HoldGuardian::stop() {
  if (pipe_write_ >= 0) close(pipe_write_);
  pipe_write_ = -1;
  if (pid_ <= 0) return;
  for (int i = 0; i < 100; ++i) {
    pid_t r = waitpid(pid_, nullptr, WNOHANG);
    if (r == pid_ || (r < 0 && errno != EINTR)) break;
    const timespec pause{0, 10'000'000};
    nanosleep(&pause, nullptr);
  }
  pid_ = -1;
}

HoldGuardian::~HoldGuardian() { stop(); }

}  // namespace agentprof
