#include "fixture_process.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

FixtureProcess::FixtureProcess(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  int to_child[2], from_child[2];
  if (pipe(to_child) != 0) return;
  if (pipe(from_child) != 0) {
    close(to_child[0]);
    close(to_child[1]);
    return;
  }
  pid_ = fork();
  if (pid_ == 0) {
    dup2(to_child[0], 0);
    dup2(from_child[1], 1);
    close(to_child[0]);
    close(to_child[1]);
    close(from_child[0]);
    close(from_child[1]);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(to_child[0]);
  close(from_child[1]);
  stdin_fd_ = to_child[1];
  FILE* out = fdopen(from_child[0], "r");
  char line[512];
  while (out != nullptr && std::fgets(line, sizeof(line), out) != nullptr) {
    if (std::strncmp(line, "ready", 5) == 0) {
      ready_ = true;
      break;
    }
    char name[256];
    unsigned long long address = 0;
    if (std::sscanf(line, "%255s %llx", name, &address) == 2) addresses_[name] = address;
  }
  if (out != nullptr) std::fclose(out);
}

FixtureProcess::~FixtureProcess() {
  if (stdin_fd_ >= 0) close(stdin_fd_);
  if (pid_ > 0) {
    int status = 0;
    waitpid(pid_, &status, 0);
  }
}

uint64_t FixtureProcess::address(const std::string& name) const {
  auto it = addresses_.find(name);
  return it == addresses_.end() ? 0 : it->second;
}

bool copy_file(const std::string& from, const std::string& to) {
  std::ifstream in(from, std::ios::binary);
  std::ofstream out(to, std::ios::binary | std::ios::trunc);
  if (!in || !out) return false;
  out << in.rdbuf();
  out.close();
  return out.good() && chmod(to.c_str(), 0755) == 0;
}

std::string make_temp_dir() {
  char pattern[] = "/tmp/agentprof-symtest-XXXXXX";
  const char* dir = mkdtemp(pattern);
  return dir ? dir : "";
}
