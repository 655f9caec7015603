/* Process lifecycle: exec (attach to new binaries and libraries), fork (the --pid scope follows
 * descendants), exit (connections of a dead process end; claude -p never frees its SSL objects). */
#include "common.bpf.h"

SEC("tracepoint/sched/sched_process_fork")
int on_fork(struct trace_event_raw_sched_process_fork *ctx) {
  __u32 zero = 0;
  struct ap_config *cfg = bpf_map_lookup_elem(&ap_config_map, &zero);
  if (!cfg || !(cfg->filter & AP_FILTER_PID)) return 0;
  __u32 parent = current_tgid();
  if (!bpf_map_lookup_elem(&traced_tgids, &parent)) return 0;
  /* child_pid is a thread id for new threads: the entry is harmless and removed at its exit. */
  __u32 child = ctx->child_pid;
  __u8 one = 1;
  bpf_map_update_elem(&traced_tgids, &child, &one, BPF_ANY);
  return 0;
}

SEC("tracepoint/sched/sched_process_exec")
int on_exec(struct trace_event_raw_sched_process_exec *ctx) {
  if (!in_scope()) return 0;
  struct ap_exec_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) {
    stat_add(AP_STAT_RB_FULL_CTRL, 1);
    return 0;
  }
  fill_header(&e->hdr, AP_EV_EXEC);
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  e->ppid = BPF_CORE_READ(task, real_parent, tgid);
  bpf_get_current_comm(&e->comm, sizeof(e->comm));
  unsigned int off = ctx->__data_loc_filename & 0xFFFF;
  bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), (void *)ctx + off);
  /* Wake userspace now: it must attach to the new binary before its first request. */
  bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
  return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int on_exit(struct trace_event_raw_sched_process_template *ctx) {
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  __u32 tid = (__u32)pid_tgid;
  __u32 tgid = pid_tgid >> 32;
  /* A thread that dies inside a call leaves its saved arguments behind: drop them. */
  bpf_map_delete_elem(&ssl_calls, &pid_tgid);
  bpf_map_delete_elem(&sock_calls, &pid_tgid);
  if (tid != tgid) bpf_map_delete_elem(&traced_tgids, &tid); /* thread entries added by on_fork */
  /* The process is gone when its last thread exits (signal->live already decremented). */
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  if (BPF_CORE_READ(task, signal, live.counter) != 0) return 0;
  if (in_scope()) {
    struct ap_exit_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
    if (e) {
      fill_header(&e->hdr, AP_EV_EXIT);
      bpf_ringbuf_submit(e, ringbuf_flags());
    } else {
      stat_add(AP_STAT_RB_FULL_CTRL, 1);
    }
  }
  bpf_map_delete_elem(&traced_tgids, &tgid);
  return 0;
}
