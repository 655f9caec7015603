#pragma once
// Runs a symbolizer fixture program and collects the function addresses it prints.
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

class FixtureProcess {
 public:
  explicit FixtureProcess(const std::string& path) : FixtureProcess(std::vector<std::string>{path}) {}
  // argv[0] is the program (looked up in PATH); it or its descendant prints the addresses.
  explicit FixtureProcess(const std::vector<std::string>& argv);
  ~FixtureProcess();  // closes its stdin (it exits) and reaps it
  FixtureProcess(const FixtureProcess&) = delete;
  FixtureProcess& operator=(const FixtureProcess&) = delete;

  bool ready() const { return ready_; }
  pid_t pid() const { return pid_; }
  uint64_t address(const std::string& name) const;  // 0 when not printed

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  bool ready_ = false;
  std::map<std::string, uint64_t> addresses_;
};

// Copies a file (mode 0755); false on failure.
bool copy_file(const std::string& from, const std::string& to);
// A fresh empty directory under the build tree's temp area.
std::string make_temp_dir();
