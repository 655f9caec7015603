// Symbolizing running fixture processes through /proc/PID/maps: PIE and non-PIE executables, a shared
// library, stripped binaries, deleted and replaced files, perf maps, process exit and exec.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "fixture_process.h"
#include "symbolizer/symbolizer.h"

using namespace agentprof::symbolizer;

namespace {

const std::string kFixtureDir = SYMFIX_DIR;

SymbolizerOptions eager_options() {
  SymbolizerOptions options;
  options.min_reread_interval = std::chrono::milliseconds(0);
  return options;
}

void check_known_functions(Symbolizer& symbolizer, const FixtureProcess& process, const std::string& exe_path) {
  // All looked up as instruction pointers: one single-frame stack each.
  auto one = [&](uint64_t address) {
    std::vector<uint64_t> stack{address};
    auto frames = symbolizer.symbolize(process.pid(), stack);
    REQUIRE(frames.size() == 1);
    return frames[0];
  };
  Frame c_fn = one(process.address("symfix_c_function") + 4);
  CHECK(c_fn.function == "symfix_c_function");
  CHECK(c_fn.offset == 4);
  CHECK(c_fn.module == exe_path);
  CHECK(c_fn.address == process.address("symfix_c_function") + 4);
  CHECK(one(process.address("namespaced_function")).function == "symfix::namespaced_function(double)");
  CHECK(one(process.address("twice") + 1).function == "long symfix::twice<long>(long)");
  Frame lib = one(process.address("symfix_lib_c_function") + 2);
  CHECK(lib.function == "symfix_lib_c_function");
  CHECK(lib.module == SYMFIX_LIB);
  CHECK(one(process.address("churn")).function == "symfix::LibraryWidget::churn(long) const");
}

}  // namespace

TEST_CASE("PIE executable and its shared library, through the process's maps") {
  FixtureProcess process(SYMFIX_PIE);
  REQUIRE(process.ready());
  Symbolizer symbolizer;
  check_known_functions(symbolizer, process, SYMFIX_PIE);
  CHECK(symbolizer.stats().maps_reads >= 1);
}

TEST_CASE("non-PIE executable") {
  FixtureProcess process(SYMFIX_NOPIE);
  REQUIRE(process.ready());
  Symbolizer symbolizer;
  check_known_functions(symbolizer, process, SYMFIX_NOPIE);
}

TEST_CASE("stripped executable running, symbols from its debug file") {
  FixtureProcess process(kFixtureDir + "/symfix_stripped");
  REQUIRE(process.ready());
  Symbolizer symbolizer;
  check_known_functions(symbolizer, process, kFixtureDir + "/symfix_stripped");
}

TEST_CASE("return addresses are looked up at address - 1, the first frame as is") {
  FixtureProcess process(SYMFIX_PIE);
  REQUIRE(process.ready());
  Symbolizer symbolizer;
  uint64_t ns_start = process.address("namespaced_function");
  std::vector<uint64_t> stack{ns_start, ns_start};
  auto frames = symbolizer.symbolize(process.pid(), stack);
  CHECK(frames[0].function == "symfix::namespaced_function(double)");
  // A return address equal to a function start belongs to the call at the end of the code before it.
  CHECK(frames[1].function != "symfix::namespaced_function(double)");
  CHECK(frames[1].address == ns_start);
  auto all_returns = symbolizer.symbolize(process.pid(), std::vector<uint64_t>{ns_start + 1},
                                          FirstAddress::kReturnAddress);
  CHECK(all_returns[0].function == "symfix::namespaced_function(double)");
  CHECK(all_returns[0].offset == 0);
}

TEST_CASE("a deleted binary is read through /proc/PID/map_files") {
  std::string dir = make_temp_dir();
  std::string exe = dir + "/symfix_deleted";
  REQUIRE(copy_file(SYMFIX_PIE, exe));
  FixtureProcess process(exe);
  REQUIRE(process.ready());
  REQUIRE(unlink(exe.c_str()) == 0);
  Symbolizer symbolizer;
  check_known_functions(symbolizer, process, exe);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a binary replaced on disk after it was mapped is not read from its path") {
  std::string dir = make_temp_dir();
  std::string exe = dir + "/symfix_replaced";
  REQUIRE(copy_file(SYMFIX_PIE, exe));
  FixtureProcess process(exe);
  REQUIRE(process.ready());
  // Package-upgrade style: a different binary renamed over the path (new inode).
  REQUIRE(copy_file(SYMFIX_NOPIE, dir + "/new"));
  REQUIRE(std::rename((dir + "/new").c_str(), exe.c_str()) == 0);
  Symbolizer symbolizer;
  check_known_functions(symbolizer, process, exe);
  std::filesystem::remove_all(dir);
}

TEST_CASE("modules are shared across processes by file identity and by build id") {
  std::string dir = make_temp_dir();
  std::string copy = dir + "/symfix_copy";
  REQUIRE(copy_file(SYMFIX_PIE, copy));
  FixtureProcess first(SYMFIX_PIE);
  FixtureProcess second(SYMFIX_PIE);
  FixtureProcess third(copy);  // same build id, another file
  REQUIRE((first.ready() && second.ready() && third.ready()));
  Symbolizer symbolizer;
  check_known_functions(symbolizer, first, SYMFIX_PIE);
  uint64_t loads_after_first = symbolizer.module_stats().loads;
  CHECK(loads_after_first == 2);  // executable + shared library
  check_known_functions(symbolizer, second, SYMFIX_PIE);
  CHECK(symbolizer.module_stats().loads == loads_after_first);
  CHECK(symbolizer.module_stats().identity_hits >= 2);
  check_known_functions(symbolizer, third, copy);
  CHECK(symbolizer.module_stats().loads == loads_after_first);
  CHECK(symbolizer.module_stats().build_id_hits == 1);
  std::filesystem::remove_all(dir);
}

TEST_CASE("JIT frames from /tmp/perf-PID.map, re-read when it grows") {
  FixtureProcess process(SYMFIX_PIE);
  REQUIRE(process.ready());
  std::string map_path = "/tmp/perf-" + std::to_string(process.pid()) + ".map";
  {
    std::ofstream out(map_path, std::ios::trunc);
    out << "10000 100 LazyCompile:*hot /app/agent.js:3:9\n";
  }
  Symbolizer symbolizer(eager_options());
  auto frames = symbolizer.symbolize(process.pid(), std::vector<uint64_t>{0x10010});
  CHECK(frames[0].function == "LazyCompile:*hot /app/agent.js:3:9");
  CHECK(frames[0].module == "[perf-map]");
  CHECK(frames[0].offset == 0x10);
  CHECK(frames[0].resolved);
  {
    std::ofstream out(map_path, std::ios::app);
    out << "20000 10 py::later:/srv/a.py\n";
  }
  frames = symbolizer.symbolize(process.pid(), std::vector<uint64_t>{0x20004});
  CHECK(frames[0].function == "py::later:/srv/a.py");
  // Past every entry: unknown, no module, not the nearest JIT name.
  frames = symbolizer.symbolize(process.pid(), std::vector<uint64_t>{0x10100});
  CHECK(frames[0].function == kUnknownFunction);
  CHECK(frames[0].module.empty());
  CHECK_FALSE(frames[0].resolved);
  std::remove(map_path.c_str());
}

TEST_CASE("an exited process keeps its cached maps until it is forgotten or invalidated") {
  Symbolizer symbolizer;
  pid_t pid = 0;
  uint64_t address = 0;
  {
    FixtureProcess process(SYMFIX_PIE);
    REQUIRE(process.ready());
    pid = process.pid();
    address = process.address("symfix_c_function");
    CHECK(symbolizer.symbolize(pid, std::vector<uint64_t>{address})[0].function == "symfix_c_function");
  }  // exits and is reaped here
  CHECK(symbolizer.symbolize(pid, std::vector<uint64_t>{address})[0].function == "symfix_c_function");
  symbolizer.invalidate_process(pid);  // e.g. exec: the old mappings no longer apply
  auto frames = symbolizer.symbolize(pid, std::vector<uint64_t>{address});
  CHECK(frames[0].function == kUnknownFunction);
  CHECK(symbolizer.stats().maps_read_failures >= 1);
  symbolizer.forget_process(pid);
}

TEST_CASE("kernel addresses through a kallsyms file") {
  std::string dir = make_temp_dir();
  {
    std::ofstream out(dir + "/kallsyms");
    out << "ffffffff81000000 T _stext\nffffffff81000100 T schedule\nffffffff81000180 t __schedule\n"
           "ffffffffc0001000 t nf_hook\t[nf_tables]\n";
  }
  SymbolizerOptions options;
  options.kallsyms_path = dir + "/kallsyms";
  Symbolizer symbolizer(options);
  std::vector<uint64_t> stack{0xffffffff81000181, 0xffffffff81000180, 0xffffffffc0001008};
  auto frames = symbolizer.symbolize_kernel(stack);
  CHECK(frames[0].function == "__schedule");
  CHECK(frames[0].offset == 1);
  CHECK(frames[0].module == "[kernel.kallsyms]");
  CHECK(frames[1].function == "schedule");  // return address: looked up at -1
  CHECK(frames[2].function == "nf_hook");
  CHECK(frames[2].module == "[nf_tables]");
  CHECK(symbolizer.kernel_problem().empty());
  std::filesystem::remove_all(dir);
}

TEST_CASE("vDSO frames are named from the kernel's vDSO image") {
  std::ifstream maps("/proc/self/maps");
  uint64_t start = 0, end = 0;
  for (std::string line; std::getline(maps, line);) {
    if (line.find("[vdso]") != std::string::npos) {
      std::sscanf(line.c_str(), "%lx-%lx", &start, &end);
    }
  }
  REQUIRE(start != 0);
  std::vector<uint64_t> addresses;
  for (uint64_t a = start; a < end; a += 8) addresses.push_back(a);
  Symbolizer symbolizer;
  bool saw_clock_gettime = false;
  for (uint64_t a : addresses) {
    Frame frame = symbolizer.symbolize(getpid(), std::vector<uint64_t>{a})[0];
    CHECK(frame.module == "[vdso]");
    if (frame.resolved && frame.function.find("clock_gettime") != std::string::npos) saw_clock_gettime = true;
  }
  CHECK(saw_clock_gettime);
}

namespace {
// Host pid of the only child of `pid` (unshare --fork runs the program as its child).
pid_t only_child(pid_t pid) {
  std::ifstream children("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  pid_t child = 0;
  children >> child;
  return child;
}
}  // namespace

TEST_CASE("container-style process: own mount and pid namespaces, files only under /proc/PID/root") {
  // The fixture runs as pid 1 of a new pid namespace with a private /tmp: its executable copy and its
  // perf map (/tmp/perf-1.map, named after the namespace pid) exist only inside that namespace.
  std::string script = "mount -t tmpfs tmpfs /tmp && cp " + std::string(SYMFIX_PIE) +
                       " /tmp/symfix_in_ns && exec /tmp/symfix_in_ns";
  FixtureProcess wrapper({"unshare", "--pid", "--fork", "--mount", "--propagation", "private", "sh", "-c", script});
  if (!wrapper.ready()) {
    WARN("unshare unavailable here (needs CAP_SYS_ADMIN); skipping");
    return;
  }
  pid_t pid = only_child(wrapper.pid());
  REQUIRE(pid > 0);
  std::string ns_map = "/proc/" + std::to_string(pid) + "/root/tmp/perf-1.map";
  {
    std::ofstream out(ns_map);
    REQUIRE(out);
    out << "10000 100 LazyCompile:*inContainer /app/x.js:1:1\n";
  }
  Symbolizer symbolizer;
  std::vector<uint64_t> stack{wrapper.address("symfix_c_function") + 1, 0x10010 + 1};
  auto frames = symbolizer.symbolize(pid, stack);
  CHECK(frames[0].function == "symfix_c_function");
  CHECK(frames[0].module == "/tmp/symfix_in_ns");
  CHECK(frames[1].function == "LazyCompile:*inContainer /app/x.js:1:1");
  CHECK(frames[1].module == "[perf-map]");
}

TEST_CASE("the per-process cache is bounded: least recently used processes are evicted") {
  FixtureProcess first(SYMFIX_PIE);
  FixtureProcess second(SYMFIX_NOPIE);
  REQUIRE((first.ready() && second.ready()));
  SymbolizerOptions options;
  options.max_processes = 1;
  Symbolizer symbolizer(options);
  check_known_functions(symbolizer, first, SYMFIX_PIE);
  check_known_functions(symbolizer, second, SYMFIX_NOPIE);
  CHECK(symbolizer.stats().processes_evicted == 1);
  check_known_functions(symbolizer, first, SYMFIX_PIE);  // reloaded transparently
  CHECK(symbolizer.stats().processes_evicted == 2);
}
