/* CPU sampling: one PERF_COUNT_SW_CPU_CLOCK event per CPU (frequency mode, opened by userspace) runs
 * this program. In-scope samples are aggregated here, keyed by (pid, user stack, kernel stack,
 * Python stack), so userspace reads counts, not one record per sample. */
#include "common.bpf.h"
#include "profile_abi.h"

struct {
  __uint(type, BPF_MAP_TYPE_STACK_TRACE);
  __uint(max_entries, 16384);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, AP_PROF_STACK_DEPTH * sizeof(__u64));
} stack_traces SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384);
  __type(key, struct ap_sample_key);
  __type(value, __u64);
} sample_counts SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 8192);
  __type(key, __u64);
  __type(value, struct ap_py_stack);
} py_stacks SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4096);
  __type(key, __u32);
  __type(value, struct ap_py_proc);
} py_procs SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, AP_PROF_STAT_COUNT);
  __type(key, __u32);
  __type(value, __u64);
} prof_stats SEC(".maps");

/* Processes with an LLM call in flight right now (set and cleared by userspace from the traced
 * requests), so CPU samples can be split into "waiting on an LLM" and "working". */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4096);
  __type(key, __u32);
  __type(value, __u32);
} llm_in_flight SEC(".maps");

/* Python frames are built here: too large for the BPF stack. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct ap_py_stack);
} py_scratch SEC(".maps");

static __always_inline void prof_stat(__u32 index) {
  __u64 *v = bpf_map_lookup_elem(&prof_stats, &index);
  if (v) *v += 1;
}

static __always_inline __u64 read_ptr(__u64 addr, __s32 offset, bool *ok) {
  __u64 value = 0;
  if (bpf_probe_read_user(&value, sizeof(value), (const void *)(addr + offset)) != 0) *ok = false;
  return value;
}

static __always_inline __u8 read_byte(__u64 addr, __s32 offset, bool *ok) {
  __u8 value = 0;
  if (bpf_probe_read_user(&value, sizeof(value), (const void *)(addr + offset)) != 0) *ok = false;
  return value;
}

/* State of one frame-chain walk, shared with the bpf_loop callback (one verifier pass over the
 * callback instead of one per unrolled iteration). */
struct py_walk {
  __u64 frame;
  __u64 hash;
  __u32 depth;
  __u32 failed;
  __s32 frame_code;
  __s32 frame_previous;
  __s32 frame_is_entry;
  __s32 frame_owner;
  __s32 owner_cstack;
  __s32 frame_prev_instr;
};

static long walk_one_frame(__u32 index, void *arg) {
  struct py_walk *w = arg;
  if (!w->frame) return 1;
  __u32 zero = 0;
  struct ap_py_stack *st = bpf_map_lookup_elem(&py_scratch, &zero);
  if (!st) return 1;
  bool ok = true;
  if (w->frame_owner >= 0 && w->owner_cstack >= 0 &&
      read_byte(w->frame, w->frame_owner, &ok) == (__u8)w->owner_cstack) {
    /* 3.12+ shim frame: the frame recorded just before it was entered from C. */
    if (w->depth > 0) st->code[(w->depth - 1) & (AP_PY_MAX_FRAMES - 1)] |= AP_PY_ENTRY_BIT;
    w->frame = read_ptr(w->frame, w->frame_previous, &ok);
    if (!ok) w->failed = 1;
    return ok ? 0 : 1;
  }
  if (w->depth >= AP_PY_MAX_FRAMES) {
    st->truncated = 1;
    prof_stat(AP_PROF_PY_TRUNCATED);
    return 1;
  }
  __u64 code = read_ptr(w->frame, w->frame_code, &ok);
  if (w->frame_is_entry >= 0 && read_byte(w->frame, w->frame_is_entry, &ok)) code |= AP_PY_ENTRY_BIT;
  if (!ok) {
    w->failed = 1;
    return 1;
  }
  __u64 instr = 0;
  if (w->frame_prev_instr >= 0) {
    bool instr_ok = true;
    instr = read_ptr(w->frame, w->frame_prev_instr, &instr_ok);
    if (!instr_ok) instr = 0; /* the line falls back to the function's first line */
  }
  st->code[w->depth & (AP_PY_MAX_FRAMES - 1)] = code;
  st->instr[w->depth & (AP_PY_MAX_FRAMES - 1)] = instr;
  w->depth++;
  w->hash = (w->hash ^ code) * 1099511628211ull;
  w->hash = (w->hash ^ instr) * 1099511628211ull;
  w->frame = read_ptr(w->frame, w->frame_previous, &ok);
  if (!ok) {
    w->failed = 1;
    return 1;
  }
  return 0;
}

/* Walks the frame chain of the thread state holding the GIL, if the sampled thread is that one.
 * Returns the py_stacks key (0: no Python frames). */
static __always_inline __u64 walk_python(__u32 tgid, __u32 tid) {
  struct ap_py_proc *py = bpf_map_lookup_elem(&py_procs, &tgid);
  if (!py) return 0;
  bool ok = true;
  __u64 tstate = read_ptr(py->tstate_current_addr, 0, &ok);
  if (!ok || !tstate) return 0;
  /* Another thread holds the GIL: this one runs C code (or waits), its frames are not current. */
  __u64 native_tid = read_ptr(tstate, py->tstate_native_tid, &ok);
  if (!ok || (__u32)native_tid != tid) return 0;
  __u64 holder = tstate;
  if (py->tstate_cframe >= 0) holder = read_ptr(tstate, py->tstate_cframe, &ok);
  if (!ok || !holder) return 0;
  __u64 frame = read_ptr(holder, py->cframe_current_frame, &ok);
  if (!ok || !frame) return 0;

  __u32 zero = 0;
  struct ap_py_stack *st = bpf_map_lookup_elem(&py_scratch, &zero);
  if (!st) return 0;
  st->truncated = 0;
  struct py_walk w = {};
  w.frame = frame;
  w.hash = 14695981039346656037ull; /* FNV-1a over the recorded words */
  w.frame_code = py->frame_code;
  w.frame_previous = py->frame_previous;
  w.frame_is_entry = py->frame_is_entry;
  w.frame_owner = py->frame_owner;
  w.owner_cstack = py->owner_cstack;
  w.frame_prev_instr = py->frame_prev_instr;
  /* Twice the frame limit: 3.12+ shim frames take iterations without being recorded. */
  bpf_loop(AP_PY_MAX_FRAMES * 2, walk_one_frame, &w, 0);
  if (w.failed) prof_stat(AP_PROF_PY_READ_FAIL);
  if (w.depth == 0) return 0;
  st->depth = w.depth;
  __u64 hash = (w.hash ^ w.depth) * 1099511628211ull;
  if (hash == 0) hash = 1;
  if (!bpf_map_lookup_elem(&py_stacks, &hash) &&
      bpf_map_update_elem(&py_stacks, &hash, st, BPF_NOEXIST) != 0 &&
      !bpf_map_lookup_elem(&py_stacks, &hash)) {
    prof_stat(AP_PROF_PY_STACKS_FULL);
    return 0;
  }
  prof_stat(AP_PROF_PY_SAMPLES);
  return hash;
}

SEC("perf_event")
int on_cpu_sample(struct bpf_perf_event_data *ctx) {
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  __u32 tgid = pid_tgid >> 32;
  if (tgid == 0 || !in_scope()) return 0; /* tgid 0: the idle task */
  prof_stat(AP_PROF_SAMPLES);

  struct ap_sample_key key = {};
  key.pid = tgid;
  long user = bpf_get_stackid(ctx, &stack_traces, BPF_F_USER_STACK);
  long kernel = bpf_get_stackid(ctx, &stack_traces, 0);
  /* -EFAULT: there is no such stack (a kernel thread has no user part, user mode no kernel part). */
  if (user < 0 && user != -14) prof_stat(AP_PROF_LOST_USER_STACK);
  if (kernel < 0 && kernel != -14) prof_stat(AP_PROF_LOST_KERNEL_STACK);
  key.user_stack_id = user < 0 ? -1 : (__s32)user;
  key.kernel_stack_id = kernel < 0 ? -1 : (__s32)kernel;
  __u32 *calls = bpf_map_lookup_elem(&llm_in_flight, &tgid);
  if (calls && *calls) key.flags |= AP_SAMPLE_LLM_IN_FLIGHT;
  key.py_stack = walk_python(tgid, (__u32)pid_tgid);

  __u64 *count = bpf_map_lookup_elem(&sample_counts, &key);
  if (count) {
    __sync_fetch_and_add(count, 1);
    return 0;
  }
  __u64 one = 1;
  if (bpf_map_update_elem(&sample_counts, &key, &one, BPF_NOEXIST) != 0) {
    count = bpf_map_lookup_elem(&sample_counts, &key); /* another CPU inserted it first */
    if (count) __sync_fetch_and_add(count, 1);
    else prof_stat(AP_PROF_COUNTS_FULL);
  }
  return 0;
}
