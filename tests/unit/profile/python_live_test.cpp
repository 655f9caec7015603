// Checks the 3.11 offset table against a live /usr/bin/python3.11: finds the interpreter, then walks
// the GIL holder's frame chain from userspace with the same offsets the BPF program uses.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "profile/python_code_resolver.h"
#include "profile/python_process.h"

using namespace agentprof::profile;

TEST_CASE("live CPython 3.11: frame chain read with the table's offsets names the running function") {
  if (access("/usr/bin/python3.11", X_OK) != 0) {
    WARN("no /usr/bin/python3.11: live offset check skipped");
    return;
  }
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    execl("/usr/bin/python3.11", "python3.11", "-c",
          "def spin_in_python():\n    while True: pass\nspin_in_python()\n", (char*)nullptr);
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::string why;
  auto proc = find_python(child, &why);
  INFO(why);
  REQUIRE(proc);
  CHECK(proc->version == PythonVersion{3, 11});
  PythonOffsets o = *python_offsets_for(proc->version);

  ProcessMemoryReader mem;
  uint64_t tstate = 0, cframe = 0, frame = 0, code = 0, tid = 0;
  REQUIRE(mem.read(child, proc->runtime_addr + uint64_t(o.runtime_tstate_current), &tstate, 8));
  REQUIRE(tstate != 0);
  REQUIRE(mem.read(child, tstate + uint64_t(o.tstate_native_thread_id), &tid, 8));
  CHECK(tid == uint64_t(child));  // single-threaded: the main thread's tid is the pid
  REQUIRE(mem.read(child, tstate + uint64_t(o.tstate_cframe), &cframe, 8));
  REQUIRE(mem.read(child, cframe + uint64_t(o.cframe_current_frame), &frame, 8));
  REQUIRE(mem.read(child, frame + uint64_t(o.frame_code), &code, 8));
  // The caller: <module>, entered from C (is_entry), while spin_in_python was an inlined call.
  uint64_t previous = 0, module_code = 0;
  uint8_t inner_entry = 1, outer_entry = 0;
  REQUIRE(mem.read(child, frame + uint64_t(o.frame_is_entry), &inner_entry, 1));
  REQUIRE(mem.read(child, frame + uint64_t(o.frame_previous), &previous, 8));
  REQUIRE(previous != 0);
  REQUIRE(mem.read(child, previous + uint64_t(o.frame_code), &module_code, 8));
  REQUIRE(mem.read(child, previous + uint64_t(o.frame_is_entry), &outer_entry, 1));
  PythonCodeResolver resolver(mem);
  auto resolved = resolver.resolve(child, o, proc->code_type_addr, code);
  auto module = resolver.resolve(child, o, proc->code_type_addr, module_code);
  uint64_t instr = 0;
  REQUIRE(mem.read(child, frame + uint64_t(o.frame_prev_instr), &instr, 8));
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  REQUIRE(resolved);
  CHECK(resolved->name == "spin_in_python");
  CHECK(resolved->file == "<string>");
  CHECK(resolved->first_line == 1);
  CHECK(resolved->line_at(instr) == 2);  // inside the `while True: pass` line
  REQUIRE(module);
  CHECK(module->name == "<module>");
  CHECK(inner_entry == 0);
  CHECK(outer_entry == 1);
}
