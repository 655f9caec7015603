// `agentprof doctor`: can agentprof run here, and what would it attach to?
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/perf_event.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string>

#include "attach/proc_files.h"
#include "attach/tls_attacher.h"
#include "capture/bpf_loader.h"
#include "capture/tracefs.h"
#include "cli/trace_options.h"

namespace agentprof {

namespace {

int failures = 0;

void check(bool ok, const char* what, const std::string& detail, const char* fix) {
  printf("  [%s] %s%s%s\n", ok ? " ok " : "FAIL", what, detail.empty() ? "" : ": ", detail.c_str());
  if (!ok) {
    failures++;
    if (fix) printf("         -> %s\n", fix);
  }
}

bool exists(const char* path) {
  struct stat st;
  return stat(path, &st) == 0;
}

bool can_open_perf_event() {
  perf_event_attr attr{};
  attr.type = PERF_TYPE_SOFTWARE;
  attr.size = sizeof(attr);
  attr.config = PERF_COUNT_SW_CPU_CLOCK;
  attr.sample_freq = 99;
  attr.freq = 1;
  long fd = syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
  if (fd < 0) return false;
  close(int(fd));
  return true;
}

bool can_create_ringbuf() {
  int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "doctor_rb", 0, 0, 4096, nullptr);
  if (fd < 0) return false;
  close(fd);
  return true;
}

std::string kernel_release() {
  std::ifstream f("/proc/sys/kernel/osrelease");
  std::string s;
  std::getline(f, s);
  return s;
}

}  // namespace

int run_doctor(bool verbose) {
  libbpf_set_print([](enum libbpf_print_level, const char*, va_list) -> int { return 0; });
  printf("agentprof doctor\n\nKernel %s\n", kernel_release().c_str());
  check(geteuid() == 0, "running as root", geteuid() == 0 ? "" : "euid " + std::to_string(geteuid()),
        "run as root (or grant CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN, CAP_SYS_PTRACE)");
  check(exists("/sys/kernel/btf/vmlinux"), "kernel BTF", "/sys/kernel/btf/vmlinux",
        "a kernel built with CONFIG_DEBUG_INFO_BTF=y is needed for CO-RE");
  check(exists("/sys/bus/event_source/devices/uprobe"), "uprobes", "",
        "kernel needs CONFIG_UPROBE_EVENTS=y");
  std::string tracefs_error;
  check(ensure_tracefs(tracefs_error), "tracefs mounted", tracefs_error, "mount -t tracefs nodev /sys/kernel/tracing");
  bool tp = exists("/sys/kernel/tracing/events/syscalls/sys_enter_read") ||
            exists("/sys/kernel/debug/tracing/events/syscalls/sys_enter_read");
  check(tp, "syscall tracepoints", "", "kernel needs CONFIG_FTRACE_SYSCALLS=y; mount tracefs");
  check(exists("/sys/kernel/tracing/events/sched/sched_process_exec") ||
            exists("/sys/kernel/debug/tracing/events/sched/sched_process_exec"),
        "sched tracepoints", "", "mount tracefs at /sys/kernel/tracing");
  check(can_open_perf_event(), "perf events (cpu-clock)", "", "check kernel.perf_event_paranoid");
  check(can_create_ringbuf(), "BPF ring buffer", "", "kernel 5.8+ and BPF privileges are needed");
  printf("  [info] kprobes: %s (not needed)\n",
         exists("/sys/bus/event_source/devices/kprobe") ? "available" : "absent");

  printf("\nLoading agentprof's BPF programs\n");
  BpfLoader loader;
  LoaderOptions lo;
  lo.scope.pids = {1};  // keep the check from capturing anything
  lo.ringbuf_bytes = 1 << 20;
  bool loaded = loader.load(lo);
  check(loaded, "load and attach tracepoints", loaded ? "" : loader.error(), nullptr);
  if (!loaded) {
    printf("\n%d check(s) failed.\n", failures);
    return 1;
  }

  printf("\nTLS libraries and executables\n");
  TlsAttacher attacher(loader.tls_programs());
  attacher.set_go_tls_programs(loader.go_tls_programs());
  attacher.scan_library_dirs();
  std::map<std::string, std::vector<uint32_t>> users;  // seen_as path -> pids mapping it
  for (uint32_t pid : list_pids()) {
    if (pid == uint32_t(getpid())) continue;
    size_t before = attacher.targets().size();
    attacher.scan_process(pid);
    (void)before;
    for (const MappedFile& f : mapped_files(pid))
      if (f.executable && looks_like_tls_library(f.path)) users[f.path].push_back(pid);
  }
  for (const TlsTarget& t : attacher.targets()) {
    std::string funcs;
    for (const auto& f : t.functions) funcs += (funcs.empty() ? "" : ",") + f;
    printf("  %s %s\n", t.error.empty() ? "[ ok ]" : "[FAIL]", t.seen_as.empty() ? t.path.c_str() : t.seen_as.c_str());
    if (!t.error.empty()) printf("         %s\n", t.error.c_str());
    else printf("         %d probes: %s%s\n", t.probes, funcs.c_str(),
                t.first_pid ? (" (first seen in pid " + std::to_string(t.first_pid) + ")").c_str() : "");
    printf("         found by: %s\n", t.kind.c_str());
    if (!t.note.empty()) printf("         note: %s\n", t.note.c_str());
  }
  if (verbose) {
    printf("\nProcesses mapping a TLS library\n");
    for (const auto& [path, pids] : users) {
      printf("  %s:", path.c_str());
      for (uint32_t p : pids) printf(" %u(%s)", p, read_comm(p).value_or("?").c_str());
      printf("\n");
    }
  }
  printf("\n%d TLS probes would be attached on %zu files.\n", attacher.probes_attached(),
         attacher.targets().size());
  printf("Executables with BoringSSL linked in and stripped (Bun, Claude Code) and Go programs\n"
         "(crypto/tls, located through .gopclntab) are analysed when they run.\n");
  printf("\n%s\n", failures ? "Some checks failed." : "All checks passed.");
  return failures ? 1 : 0;
}

}  // namespace agentprof
