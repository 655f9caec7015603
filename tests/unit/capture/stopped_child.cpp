#include "stopped_child.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

namespace hold_test {

Child::Child() {
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    for (;;) pause();
  }
  if (!wait_for_state('S', 2000)) throw std::runtime_error("child never slept");
}

Child::~Child() { end(); }

void Child::end() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void Child::stop() {
  kill(pid_, SIGSTOP);
  int status = 0;
  if (waitpid(pid_, &status, WUNTRACED) != pid_ || !WIFSTOPPED(status)) throw std::runtime_error("child did not stop");
}

char Child::state() const {
  if (pid_ <= 0) return 0;
  std::ifstream f("/proc/" + std::to_string(pid_) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return 0;
  size_t close = line.rfind(") ");
  return close == std::string::npos || close + 2 >= line.size() ? 0 : line[close + 2];
}

bool Child::wait_for_state(char want, int ms) const {
  for (int waited = 0; waited <= ms; waited += 2) {
    if (state() == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

}  // namespace hold_test
