/* Process lifecycle: exec (attach to new binaries and libraries), fork (the --pid scope follows
 * descendants), exit (connections of a dead process end; claude -p never frees its SSL objects).
 * With ap_config.hold_new_files, a process that execs (or maps a TLS-looking library from) a file
 * userspace has not examined yet is stopped until userspace has probed it, so its first TLS call is
 * not missed. */
#include "common.bpf.h"

#define AP_SIGCONT 18
#define AP_SIGSTOP 19
/* Kernel constants (not in BTF), unchanged for many releases. */
#define AP_SIGNAL_STOP_STOPPED 0x1         /* signal->flags: the group stop is complete */
#define AP_JOBCTL_STOP_PENDING (1ul << 17) /* task->jobctl: this task is to join a group stop */

/* Files userspace has examined (TLS or not), keyed as the kernel names them. Only proc.bpf.o uses
 * it. Resized by userspace before load; the default of 1 costs nothing when the hold is off (and
 * other loaders of this object never enable it). LRU: an evicted file only costs one more hold. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 1);
  __type(key, struct ap_file_key);
  __type(value, __u8);
} examined_files SEC(".maps");

/* Processes stopped here and not yet resumed. Every SIGSTOP sent below is followed by an entry that
 * exists after it, and whoever takes an entry out (after the examination, the watchdog, agentprof's
 * exit, its guardian) sends SIGCONT: so no process stays stopped by agentprof. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct ap_hold);
} held_tgids SEC(".maps");

static __always_inline bool hold_enabled(void) {
  __u32 zero = 0;
  struct ap_config *cfg = bpf_map_lookup_elem(&ap_config_map, &zero);
  return cfg && cfg->hold_new_files;
}

static __always_inline bool examined(struct inode *inode) {
  struct ap_file_key key = {};
  key.ino = BPF_CORE_READ(inode, i_ino);
  key.dev = BPF_CORE_READ(inode, i_sb, s_dev); /* kernel dev_t: see struct ap_file_key */
  return bpf_map_lookup_elem(&examined_files, &key) != NULL;
}

/* Stopped, stopping, or about to stop (a SIGSTOP pending): whoever asked will continue it, and a
 * SIGCONT of ours would undo their stop. (A thread of a stopped group can still be inside mmap.) */
static __always_inline bool stopped_or_stopping(struct task_struct *task) {
  if (BPF_CORE_READ(task, signal, flags) & AP_SIGNAL_STOP_STOPPED) return true;
  if (BPF_CORE_READ(task, jobctl) & AP_JOBCTL_STOP_PENDING) return true;
  unsigned long pending = BPF_CORE_READ(task, pending.signal.sig[0]) |
                          BPF_CORE_READ(task, signal, shared_pending.signal.sig[0]);
  return pending & (1ul << (AP_SIGSTOP - 1));
}

/* Stops the current process (SIGSTOP to its thread group, acted on when the task returns to user
 * mode) until userspace resumes it. Not held: a ptraced process (its tracer would see our SIGSTOP),
 * one stopped or stopping already, one held already (that hold covers this thread too). */
static __always_inline bool hold_current(struct task_struct *task) {
  __u32 tgid = current_tgid();
  if (BPF_CORE_READ(task, ptrace) || stopped_or_stopping(task) || bpf_map_lookup_elem(&held_tgids, &tgid)) {
    stat_add(AP_STAT_HOLD_SKIPPED, 1);
    return false;
  }
  struct ap_hold fresh = {};
  fresh.since_ns = bpf_ktime_get_ns();
  if (bpf_map_update_elem(&held_tgids, &tgid, &fresh, BPF_NOEXIST) != 0) {
    /* Another thread's hold began meanwhile (it covers this one), or the table is full. */
    stat_add(bpf_map_lookup_elem(&held_tgids, &tgid) ? AP_STAT_HOLD_SKIPPED : AP_STAT_HOLD_FAILED, 1);
    return false;
  }
  if (bpf_send_signal(AP_SIGSTOP) != 0) {
    bpf_map_delete_elem(&held_tgids, &tgid);
    stat_add(AP_STAT_HOLD_FAILED, 1);
    return false;
  }
  /* Taken out in between (agentprof stopping): its SIGCONT may have come before our SIGSTOP. */
  if (!bpf_map_lookup_elem(&held_tgids, &tgid)) {
    bpf_send_signal(AP_SIGCONT);
    stat_add(AP_STAT_HOLD_FAILED, 1);
    return false;
  }
  stat_add(AP_STAT_HOLDS, 1);
  return true;
}

static __always_inline bool has_prefix(const char *s, const char *prefix, int n) {
  for (int i = 0; i < n; i++)
    if (s[i] != prefix[i]) return false;
  return true;
}

/* The names userspace examines when mapped (attach/tls_attacher.cpp, looks_like_tls_library). */
static __always_inline bool tls_library_name(const char *name) {
  return has_prefix(name, "libssl", 6) || has_prefix(name, "libboringssl", 12) ||
         has_prefix(name, "libnode", 7);
}

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
  e->flags = 0;
  if (hold_enabled()) {
    /* The new image: mm->exe_file is set before this tracepoint fires. */
    struct inode *inode = BPF_CORE_READ(task, mm, exe_file, f_inode);
    if (inode && !examined(inode) && hold_current(task)) e->flags |= AP_HOLD_STOPPED;
  }
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
  bpf_map_delete_elem(&held_tgids, &tgid); /* killed while held: nothing left to resume */
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
  e->flags = 0;
  e->pad = 0;
  /* Stopped after this mmap returns, so the mapping is in /proc/PID/maps by the time it is stopped. */
  if (hold_enabled() && tls_library_name(e->name)) {
    struct inode *inode = BPF_CORE_READ(f, f_inode);
    if (inode && !examined(inode) && hold_current(task)) e->flags |= AP_HOLD_STOPPED;
  }
  /* The library's first TLS call may follow within milliseconds: wake userspace now. */
  bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
  return 0;
}
