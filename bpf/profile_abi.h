/* ABI between bpf/profile.bpf.c (CPU sampling) and userspace/profile: map keys and values. Plain C,
 * fixed-width types; included by both sides after events.h (for the ap_u* typedefs). */
#ifndef AGENTPROF_PROFILE_ABI_H
#define AGENTPROF_PROFILE_ABI_H

#include "events.h"

#define AP_PROF_STACK_DEPTH 127 /* PERF_MAX_STACK_DEPTH */
#define AP_PY_MAX_FRAMES 64     /* Python frames walked per sample; deeper stacks are cut (counted) */
/* Low bit of a recorded code object pointer (objects are 8-aligned): this frame was entered from C,
 * i.e. it is the outermost Python frame of one _PyEval_EvalFrameDefault call. */
#define AP_PY_ENTRY_BIT 1ull

/* The process had an LLM call in flight (userspace marks pids in llm_in_flight). */
#define AP_SAMPLE_LLM_IN_FLIGHT 0x1

/* Key of the aggregated sample counts. Stack ids < 0: no stack (e.g. no kernel part) or lost. */
struct ap_sample_key {
  ap_u32 pid;
  ap_s32 user_stack_id;
  ap_s32 kernel_stack_id;
  ap_u32 flags;    /* AP_SAMPLE_* */
  ap_u64 py_stack; /* key into py_stacks, 0 = no Python frames */
};

/* Python frames of one sample, innermost first: code object pointers | AP_PY_ENTRY_BIT, and the
 * frame's last instruction pointer (its current line; 0 when the version has no such field). */
struct ap_py_stack {
  ap_u32 depth;
  ap_u32 truncated;
  ap_u64 code[AP_PY_MAX_FRAMES];
  ap_u64 instr[AP_PY_MAX_FRAMES];
};

/* Where one CPython process keeps its frames: absolute addresses and per-version offsets (see
 * userspace/profile/python_offsets.cpp). Written by userspace per pid. */
struct ap_py_proc {
  ap_u64 tstate_current_addr; /* address of the pointer to the thread state holding the GIL */
  ap_s32 tstate_cframe;       /* PyThreadState -> _PyCFrame*, or -1 when the frame is direct */
  ap_s32 cframe_current_frame;/* _PyCFrame (or PyThreadState if no cframe) -> _PyInterpreterFrame* */
  ap_s32 tstate_native_tid;   /* PyThreadState.native_thread_id: the thread's kernel tid */
  ap_s32 frame_code;          /* _PyInterpreterFrame.f_code */
  ap_s32 frame_previous;      /* _PyInterpreterFrame.previous */
  ap_s32 frame_is_entry;      /* byte: non-zero when the frame was entered from C; -1: none */
  ap_s32 frame_owner;         /* byte: frame owner (3.12+: FRAME_OWNED_BY_CSTACK shim frames), -1 */
  ap_s32 owner_cstack;        /* value of FRAME_OWNED_BY_CSTACK, -1 if the version has none */
  ap_s32 frame_prev_instr;    /* _PyInterpreterFrame.prev_instr (3.11/3.12), -1: not recorded */
  ap_s32 pad;
};

enum ap_prof_stat {
  AP_PROF_SAMPLES = 0,        /* samples of in-scope processes */
  AP_PROF_LOST_USER_STACK,    /* user stack not recorded (stack map full or hash collision) */
  AP_PROF_LOST_KERNEL_STACK,
  AP_PROF_COUNTS_FULL,        /* sample dropped: the aggregation map is full */
  AP_PROF_PY_STACKS_FULL,     /* Python frames dropped: the py_stacks map is full */
  AP_PROF_PY_READ_FAIL,       /* reading the interpreter's memory failed mid-walk */
  AP_PROF_PY_TRUNCATED,       /* deeper than AP_PY_MAX_FRAMES */
  AP_PROF_PY_SAMPLES,         /* samples with at least one Python frame */
  AP_PROF_STAT_COUNT
};

#endif
