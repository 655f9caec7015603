// Attaches an empty uprobe + uretprobe to each FUNCTION in BINARY and waits for SIGINT/SIGTERM:
// the floor against which agentprof's per-call overhead is compared.
#include <bpf/libbpf.h>

#include <csignal>
#include <cstdio>
#include <set>
#include <string>
#include <vector>
#include <unistd.h>

#include "attach/elf_symbols.h"
#include "bench_empty.skel.h"

static volatile sig_atomic_t stop = 0;

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: bench_empty_probe BINARY FUNCTION|0xOFFSET...\n");
    return 2;
  }
  std::set<std::string> wanted(argv + 2, argv + argc);
  auto syms = agentprof::find_elf_functions(argv[1], wanted);
  bench_empty_bpf* skel = bench_empty_bpf__open_and_load();
  if (!skel) {
    fprintf(stderr, "bench_empty_probe: cannot load BPF\n");
    return 2;
  }
  std::vector<bpf_link*> links;
  for (const std::string& f : wanted) {
    uint64_t off = 0;
    if (f.starts_with("0x")) {
      off = std::stoull(f, nullptr, 16);  // a file offset given directly (unexported functions)
    } else if (!syms.ok || !syms.offsets.count(f)) {
      fprintf(stderr, "bench_empty_probe: %s not found in %s\n", f.c_str(), argv[1]);
      return 2;
    } else {
      off = syms.offsets[f];
    }
    bpf_link* a = bpf_program__attach_uprobe(skel->progs.empty_enter, false, -1, argv[1], off);
    bpf_link* b = bpf_program__attach_uprobe(skel->progs.empty_exit, true, -1, argv[1], off);
    if (!a || !b) {
      fprintf(stderr, "bench_empty_probe: attach failed\n");
      return 2;
    }
    links.push_back(a);
    links.push_back(b);
  }
  signal(SIGINT, [](int) { stop = 1; });
  signal(SIGTERM, [](int) { stop = 1; });
  fprintf(stderr, "bench_empty_probe: ready\n");
  while (!stop) pause();
  for (bpf_link* l : links) bpf_link__destroy(l);
  bench_empty_bpf__destroy(skel);
  return 0;
}
