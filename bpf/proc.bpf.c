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

/* A file mapped executable by a process in scope: a library loaded at start-up or by dlopen.
 * Only the base name is sent; userspace re-reads the process's maps when it may be a TLS library. */
SEC("tracepoint/syscalls/sys_enter_mmap")
int on_mmap(struct trace_event_raw_sys_enter *ctx) {
  unsigned long prot = ctx->args[2];
  int fd = (int)ctx->args[4];
  if (!(prot & 0x4 /* PROT_EXEC */) || fd < 0) return 0;
  if (!in_scope()) return 0;
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
  unsigned int max_fds = BPF_CORE_READ(task, files, fdt, max_fds);
  if ((unsigned int)fd >= max_fds) return 0;
  struct file *f = NULL;
  if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) != 0 || !f) return 0;
  const unsigned char *name = BPF_CORE_READ(f, f_path.dentry, d_name.name);
  struct ap_mmap_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) {
    stat_add(AP_STAT_RB_FULL_CTRL, 1);
    return 0;
  }
  fill_header(&e->hdr, AP_EV_MMAP_EXEC);
  bpf_probe_read_kernel_str(e->name, sizeof(e->name), name);
  /* The library's first TLS call may follow within milliseconds: wake userspace now. */
  bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
  return 0;
}
