#include "replaced_files.h"

#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace replaced_files {

TempDir::TempDir() {
  char tmpl[] = "/tmp/agentprof-replaced-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  path = tmpl;
}

TempDir::~TempDir() { std::filesystem::remove_all(path); }

void copy_file(const std::string& from, const std::string& to) {
  std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
  ::chmod(to.c_str(), 0755);
}

void replace_by_rename(const std::string& path, const std::string& from) {
  const std::string tmp = path + ".new";
  copy_file(from, tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("rename failed");
}

Child::Child(const std::string& argv0, const std::string& arg) {
  std::string a0 = argv0, a1 = arg;
  char* argv[] = {a0.data(), a1.data(), nullptr};
  if (posix_spawn(&pid, argv0.c_str(), nullptr, nullptr, argv, environ) != 0)
    throw std::runtime_error("spawn failed: " + argv0);
  // posix_spawn returns as soon as the exec has replaced the memory map, before the new image's
  // segments are mapped: wait until the program sleeps in main (the fixtures sleep), with /proc
  // naming the new image.
  const std::string proc = "/proc/" + std::to_string(pid);
  for (int i = 0; i < 400; ++i) {
    char buf[4096];
    ssize_t n = ::readlink((proc + "/exe").c_str(), buf, sizeof buf - 1);
    std::ifstream stat(proc + "/stat");
    std::string line;
    std::getline(stat, line);
    size_t close = line.rfind(") ");
    bool sleeping = close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'S';
    if (sleeping && n > 0 && std::string(buf, size_t(n)).rfind(argv0, 0) == 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  throw std::runtime_error("child never slept in " + argv0);
}

void Child::kill_and_wait() {
  if (pid <= 0) return;
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  pid = -1;
}

Child::~Child() { kill_and_wait(); }

}  // namespace replaced_files
