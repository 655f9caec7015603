// Finds the CPython interpreter inside a running process: which binary or libpython it maps, which
// version, and the runtime addresses (load bias applied) the frame walker and resolver need.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "profile/python_offsets.h"

namespace agentprof::profile {

struct PythonProcess {
  PythonVersion version;
  std::string binary;          // path as mapped ("/usr/bin/python3.11" or a libpython)
  uint64_t runtime_addr = 0;   // &_PyRuntime in the process
  uint64_t code_type_addr = 0; // &PyCode_Type in the process (validates code object pointers)
};

// "python3.11", "libpython3.11.so.1.0", "python3.11d" -> {3, 11}; anything else -> nullopt.
std::optional<PythonVersion> python_version_from_path(std::string_view path);

// Inspects /proc/PID/maps and the mapped interpreter's symbols. nullopt (with `why` set) when the
// process runs no CPython we can read.
std::optional<PythonProcess> find_python(pid_t pid, std::string* why = nullptr);

}  // namespace agentprof::profile
