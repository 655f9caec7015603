// Small hand-made profiles shared by the flame exporter tests.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "userspace/profile/profile.h"

namespace agentprof::flame::testing {

inline Frame make_frame(std::string fn, FrameKind kind, std::string module, std::string file = "",
                        uint32_t line = 0) {
  Frame f;
  f.function = std::move(fn);
  f.module = std::move(module);
  f.file = std::move(file);
  f.line = line;
  f.kind = kind;
  return f;
}
inline Frame native(std::string fn, std::string module = "/usr/bin/agent") {
  return make_frame(std::move(fn), FrameKind::kNative, std::move(module));
}
inline Frame kernel(std::string fn) { return make_frame(std::move(fn), FrameKind::kKernel, "[kernel]"); }
inline Frame python(std::string fn, std::string file, uint32_t line) {
  return make_frame(std::move(fn), FrameKind::kPython, "", std::move(file), line);
}
inline StackSample make_sample(uint32_t pid, std::string comm, uint64_t count) {
  StackSample s;
  s.pid = pid;
  s.comm = std::move(comm);
  s.count = count;
  return s;
}

// Two processes; "python3" has two samples differing only in the executing line (they merge in
// flame graphs, stay apart in pprof locations); "agent" has a kernel leaf.
//   agent(100):   main;work;hot            60
//   agent(100):   main;work;hot            15   (duplicate stack, merges)
//   agent(100):   main;work;sys_write[k]    5
//   agent(100):   main;idle                20
//   python3(200): _PyEval;handle@app.py:10  30
//   python3(200): _PyEval;handle@app.py:12  10
inline Profile sample_profile() {
  Profile p;
  p.sample_period_ns = 10'000'000;  // 100 Hz
  p.frequency_hz = 100;
  p.start_unix_ns = 1'700'000'000'000'000'000ull;
  p.duration_ns = 2'000'000'000;
  p.lost_samples = 3;
  p.samples.push_back({100, "agent", {native("main"), native("work"), native("hot")}, 60});
  p.samples.push_back({100, "agent", {native("main"), native("work"), native("hot")}, 15});
  p.samples.push_back({100, "agent", {native("main"), native("work"), kernel("sys_write")}, 5});
  p.samples.push_back({100, "agent", {native("main"), native("idle")}, 20});
  p.samples.push_back({200, "python3", {native("_PyEval", "/usr/bin/python3.11"), python("handle", "app.py", 10)}, 30});
  p.samples.push_back({200, "python3", {native("_PyEval", "/usr/bin/python3.11"), python("handle", "app.py", 12)}, 10});
  return p;
}

inline std::string temp_path(const std::string& name) {
  return "/tmp/agentprof_flame_test_" + std::to_string(::getpid()) + "_" + name;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs a shell command, returning its stdout and exit status.
inline int run_command(const std::string& command, std::string& output) {
  output.clear();
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) output.append(buf, n);
  return ::pclose(pipe);
}

}  // namespace agentprof::flame::testing
