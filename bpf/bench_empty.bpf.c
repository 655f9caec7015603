/* Benchmark floor only: an empty uprobe and uretprobe, to measure what the kernel's uprobe
 * machinery alone costs per hit on this machine. Not used by agentprof itself. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("uprobe")
int empty_enter(struct pt_regs *ctx) { return 0; }

SEC("uretprobe")
int empty_exit(struct pt_regs *ctx) { return 0; }
