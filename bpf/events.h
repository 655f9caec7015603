/* The ONE ABI between the BPF programs and userspace: ring buffer records, stats indexes and the
 * configuration map. Plain C, fixed-width types, no pointers; included by both sides. */
#ifndef AGENTPROF_EVENTS_H
#define AGENTPROF_EVENTS_H

#ifdef __BPF__
typedef __u8 ap_u8;
typedef __u16 ap_u16;
typedef __u32 ap_u32;
typedef __u64 ap_u64;
typedef __s32 ap_s32;
#else
#include <stdint.h>
typedef uint8_t ap_u8;
typedef uint16_t ap_u16;
typedef uint32_t ap_u32;
typedef uint64_t ap_u64;
typedef int32_t ap_s32;
#endif

/* Payload bytes per data record. A larger buffer becomes several records with advancing positions. */
#define AP_CHUNK_SIZE 16384
/* Largest single call copied; beyond it bytes are counted as truncated (positions still advance,
 * so userspace sees an exact gap). */
#define AP_MAX_CALL_BYTES (256u << 20)
#define AP_COMM_LEN 16
#define AP_PATH_LEN 256
#define AP_MAX_PORTS 64
#define AP_MAX_IOV 16

enum ap_event_kind {
  AP_EV_DATA = 1,   /* struct ap_data_event: bytes of one direction of one connection */
  AP_EV_CONN = 2,   /* struct ap_conn_event: a connection's addresses and role became known */
  AP_EV_CLOSE = 3,  /* struct ap_close_event: the connection ended */
  AP_EV_EXEC = 4,   /* struct ap_exec_event: a process exec'd (attach to new binaries) */
  AP_EV_EXIT = 5,   /* struct ap_exit_event: a process exited */
  AP_EV_MMAP_EXEC = 6, /* struct ap_mmap_event: a file was mapped executable (dlopen, ld.so) */
};

/* Same values as userspace's Transport. */
enum ap_source { AP_SRC_TLS = 1, AP_SRC_SOCK = 2 };
/* Same values as userspace's Direction. */
enum ap_direction { AP_DIR_EGRESS = 0, AP_DIR_INGRESS = 1 };
/* Same values as userspace's Role. */
enum ap_role { AP_ROLE_UNKNOWN = 0, AP_ROLE_CLIENT = 1, AP_ROLE_SERVER = 2 };

struct ap_event_header {
  ap_u32 kind;
  ap_u32 tgid;
  ap_u32 tid;
  ap_u32 reserved;
  ap_u64 ts_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
};

/* Identity of one connection: (tgid, source, id, generation). id = SSL* or fd. */
struct ap_conn_id {
  ap_u64 id;
  ap_u64 generation;
  ap_u8 source;
  ap_u8 pad[7];
};

#define AP_DATA_TRUNCATED 0x1 /* this call exceeded AP_MAX_CALL_BYTES; later chunks were not copied */

struct ap_data_event {
  struct ap_event_header hdr;
  struct ap_conn_id conn;
  ap_u64 pos;      /* byte position of data[0] within this direction of the connection */
  ap_u32 len;      /* valid bytes in data[] */
  ap_u32 call_len; /* bytes the whole call transferred */
  ap_u8 dir;
  ap_u8 flags;
  ap_u8 pad[6];
  char comm[AP_COMM_LEN]; /* comm of the calling thread */
  ap_u8 data[AP_CHUNK_SIZE];
};
#define AP_DATA_HEADER_SIZE ((unsigned long)&((struct ap_data_event *)0)->data)

struct ap_conn_event {
  struct ap_event_header hdr;
  struct ap_conn_id conn;
  ap_s32 fd;       /* socket fd, -1 if unknown */
  ap_u16 family;   /* AF_INET / AF_INET6, 0 if unknown */
  ap_u16 lport;    /* host order */
  ap_u16 rport;    /* host order */
  ap_u8 role;
  ap_u8 pad;
  ap_u8 laddr[16]; /* IPv4 in the first 4 bytes */
  ap_u8 raddr[16];
  char comm[AP_COMM_LEN];
};

struct ap_close_event {
  struct ap_event_header hdr;
  struct ap_conn_id conn;
};

/* ap_exec_event.flags / ap_mmap_event.flags: the kernel stopped the process (SIGSTOP) because the
 * file is not in examined_files; userspace resumes it once it has examined the file. */
#define AP_HOLD_STOPPED 0x1

struct ap_exec_event {
  struct ap_event_header hdr;
  ap_u32 ppid;
  ap_u32 flags; /* AP_HOLD_STOPPED */
  char comm[AP_COMM_LEN];
  char filename[AP_PATH_LEN];
};

struct ap_mmap_event {
  struct ap_event_header hdr;
  char name[64]; /* base name of the mapped file */
  ap_u32 flags;  /* AP_HOLD_STOPPED */
  ap_u32 pad;
};

/* Key of the examined_files map: a file as the kernel names it. `dev` is the kernel's own dev_t
 * encoding (major << 20 | minor, what /proc/PID/maps prints as major:minor), not stat()'s st_dev;
 * userspace converts in one place (attach/kernel_file_key.h). */
struct ap_file_key {
  ap_u64 ino;
  ap_u32 dev;
  ap_u32 pad; /* always 0 */
};

/* Value of the held_tgids map (key: tgid): a process the kernel stopped for userspace. */
struct ap_hold {
  ap_u64 since_ns; /* bpf_ktime_get_ns() when it was stopped */
};

struct ap_exit_event {
  struct ap_event_header hdr;
};

/* Loss and activity counters: a per-CPU array indexed by these values, summed by userspace. */
enum ap_stat {
  AP_STAT_DATA_EVENTS = 0,       /* data records written */
  AP_STAT_DATA_BYTES,            /* payload bytes written */
  AP_STAT_RB_FULL_DATA,          /* data records lost: ring buffer full */
  AP_STAT_RB_FULL_DATA_BYTES,    /* payload bytes in those records */
  AP_STAT_RB_FULL_CTRL,          /* conn/close/exec/exit records lost: ring buffer full */
  AP_STAT_READ_FAIL,             /* bpf_probe_read_user failed (bytes lost) */
  AP_STAT_READ_FAIL_BYTES,
  AP_STAT_TRUNCATED_BYTES,       /* bytes beyond AP_MAX_CALL_BYTES in one call */
  AP_STAT_MISSING_ENTRY,         /* a return probe without its entry (attached mid-call) */
  AP_STAT_ARGS_MAP_FULL,         /* entry args could not be saved (too many threads in flight) */
  AP_STAT_CONN_MAP_FULL,         /* a connection could not be tracked */
  AP_STAT_TLS_CALLS,
  AP_STAT_SOCK_CALLS,
  AP_STAT_TLS_UNMATCHED_RETURN,  /* a probed internal TLS function returned to a caller whose
                                    call site agentprof does not probe (its bytes are not seen) */
  AP_STAT_HOLDS,                 /* processes stopped until their new file was examined */
  AP_STAT_HOLD_FAILED,           /* a hold was wanted but not made (held_tgids full, signal refused):
                                    the process ran on unheld */
  AP_STAT_HOLD_SKIPPED,          /* not held on purpose: ptraced, already stopped or stopping, or
                                    already held (another thread's hold covers it) */
  AP_STAT_COUNT
};

/* Attach cookie of ssl_callsite_enter (see bpf/tls.bpf.c): direction and where the bytes-done
 * pointer is at the probed call instruction. */
#define AP_CALLSITE_DIR_INGRESS 0x1 /* else egress */
#define AP_CALLSITE_PTR_R8 0x2      /* else rcx */

/* Attach cookie of the Go crypto/tls entry programs (see bpf/go_tls.bpf.c): the probe sits on the
 * jbe of the function's stack check, and a hit where that branch will be taken is not a call yet
 * (the function restarts after growing its stack). */
#define AP_GO_AT_STACK_CHECK 0x1

/* Scope filter flags (ap_config.filter). With none set, every process but agentprof is traced. */
#define AP_FILTER_PID 0x1    /* only tgids in the traced_tgids map (and their descendants) */
#define AP_FILTER_COMM 0x2   /* only processes whose leader comm equals ap_config.comm */
#define AP_FILTER_CGROUP 0x4 /* only tasks in cgroup ap_config.cgroup_id or below it */

struct ap_config {
  ap_u32 filter;
  ap_u32 self_tgid; /* never traced */
  ap_u64 cgroup_id;
  char comm[AP_COMM_LEN];
  ap_u32 capture_sockets; /* 0: no plaintext socket capture */
  ap_u32 hold_new_files;  /* 1: stop a process that execs (or maps a TLS-looking library from) a
                             file not in examined_files until userspace resumes it */
};

#endif
