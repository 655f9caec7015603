/* Maps and helpers shared by every agentprof BPF object. Each object declares these maps; userspace
 * loads proc.bpf.o first and makes the others reuse its map fds, so there is one instance of each. */
#ifndef AGENTPROF_COMMON_BPF_H
#define AGENTPROF_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "events.h"

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 32 << 20); /* resized by userspace before load */
} events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct ap_config);
} ap_config_map SEC(".maps");

/* Processes in scope under AP_FILTER_PID: seeded by userspace, extended on fork. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 65536);
  __type(key, __u32);
  __type(value, __u8);
} traced_tgids SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, AP_STAT_COUNT);
  __type(key, __u32);
  __type(value, __u64);
} stats SEC(".maps");

/* Ports whose plaintext TCP traffic is captured (remote port for clients, local for servers). */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, AP_MAX_PORTS);
  __type(key, __u16);
  __type(value, __u8);
} capture_ports SEC(".maps");

struct conn_key {
  __u32 tgid;
  __u8 source;
  __u8 pad[3];
  __u64 id; /* SSL* or fd */
};

struct conn_state {
  __u64 generation;
  __u64 pos[2];   /* next byte position per direction */
  __s32 fd;       /* TLS: socket fd learnt from a nested syscall, -1 until then */
  __u32 flags;
};

/* Live connections. LRU so a flood of never-closed connections cannot exhaust it. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 131072);
  __type(key, struct conn_key);
  __type(value, struct conn_state);
} conns SEC(".maps");

/* Source of connection generations: one global counter. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} generation_counter SEC(".maps");

/* Arguments of an SSL_* call in flight, by thread (pid_tgid). Its presence also tells the syscall
 * tracepoints that a read/write happens inside an SSL call (to map SSL* -> socket). */
struct ssl_call {
  __u64 ssl;
  __u64 buf;
  __u64 out_len_ptr; /* SSL_*_ex: size_t* of bytes transferred */
  __u64 call_sp;     /* probed at a call site: the stack pointer there, 0 otherwise */
  __u8 dir;
  __u8 is_ex;
  __u8 pad[6];
};
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384);
  __type(key, __u64);
  __type(value, struct ssl_call);
} ssl_calls SEC(".maps");

/* Arguments of a socket syscall in flight, by thread. */
enum sock_call_kind { SC_BUF = 0, SC_IOV = 1, SC_MSG = 2, SC_CONNECT = 3, SC_ACCEPT = 4 };

struct sock_call {
  __u64 ptr;   /* buffer, iovec array, or msghdr */
  __u32 count; /* iovcnt for SC_IOV */
  __s32 fd;
  __u8 kind;
  __u8 dir;
  __u8 pad[6];
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384);
  __type(key, __u64);
  __type(value, struct sock_call);
} sock_calls SEC(".maps");

/* Per-CPU scratch space for building records larger than the BPF stack. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct ap_data_event);
} data_scratch SEC(".maps");

/* Waking the consumer on every record costs the traced thread a cross-CPU wakeup per call (tens
 * of microseconds in a VM). Records are written without wakeup; userspace polls on a short timer,
 * and a wakeup is forced only when this much data is waiting. */
#define AP_WAKEUP_THRESHOLD (2u << 20)

static __always_inline __u64 ringbuf_flags(void) {
  return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > AP_WAKEUP_THRESHOLD ? BPF_RB_FORCE_WAKEUP
                                                                                : BPF_RB_NO_WAKEUP;
}

static __always_inline void stat_add(__u32 index, __u64 n) {
  __u64 *v = bpf_map_lookup_elem(&stats, &index);
  if (v) *v += n; /* per-CPU: no atomics needed */
}

static __always_inline __u32 current_tgid(void) { return bpf_get_current_pid_tgid() >> 32; }

static __always_inline void fill_header(struct ap_event_header *h, __u32 kind) {
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  h->kind = kind;
  h->tgid = pid_tgid >> 32;
  h->tid = (__u32)pid_tgid;
  h->reserved = 0;
  h->ts_ns = bpf_ktime_get_ns();
}

static __always_inline bool comm_equal(const char *a, const char *b) {
#pragma unroll
  for (int i = 0; i < AP_COMM_LEN; i++) {
    if (a[i] != b[i]) return false;
    if (a[i] == 0) return true;
  }
  return true;
}

/* Is the current task in scope? Checked first in every program so out-of-scope work is cheap. */
static __always_inline bool in_scope(void) {
  __u32 zero = 0;
  struct ap_config *cfg = bpf_map_lookup_elem(&ap_config_map, &zero);
  if (!cfg) return false;
  __u32 tgid = current_tgid();
  if (tgid == cfg->self_tgid) return false;
  if (cfg->filter & AP_FILTER_PID) {
    if (!bpf_map_lookup_elem(&traced_tgids, &tgid)) return false;
  }
  if (cfg->filter & AP_FILTER_COMM) {
    /* The process name, not the thread's: Bun runs its TLS on a thread named "HTTP Client". */
    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    char comm[AP_COMM_LEN];
    BPF_CORE_READ_STR_INTO(&comm, task, group_leader, comm);
    if (!comm_equal(comm, cfg->comm)) return false;
  }
  if (cfg->filter & AP_FILTER_CGROUP) {
    bool found = false;
    if (bpf_get_current_cgroup_id() == cfg->cgroup_id) found = true;
    for (int level = 1; level < 16 && !found; level++) {
      if (bpf_get_current_ancestor_cgroup_id(level) == cfg->cgroup_id) found = true;
    }
    if (!found) return false;
  }
  return true;
}

static __always_inline __u64 next_generation(void) {
  __u32 zero = 0;
  __u64 *g = bpf_map_lookup_elem(&generation_counter, &zero);
  if (!g) return 0;
  return __sync_fetch_and_add(g, 1) + 1;
}

/* Looks up a connection, creating it (new generation, positions 0) when `create` is set. */
static __always_inline struct conn_state *get_conn(struct conn_key *key, bool create) {
  struct conn_state *st = bpf_map_lookup_elem(&conns, key);
  if (st || !create) return st;
  struct conn_state fresh = {};
  fresh.generation = next_generation();
  fresh.fd = -1;
  if (bpf_map_update_elem(&conns, key, &fresh, BPF_NOEXIST) != 0) {
    st = bpf_map_lookup_elem(&conns, key); /* lost a race with another thread: use theirs */
    if (!st) stat_add(AP_STAT_CONN_MAP_FULL, 1);
    return st;
  }
  return bpf_map_lookup_elem(&conns, key);
}

/* State for copying one call's buffer in chunks with bpf_loop. Read-only in the callback: the
 * chunk offset comes from the loop index, so the verifier sees one callback state, not one per
 * iteration. */
struct copy_ctx {
  const __u8 *buf;
  __u64 len;      /* bytes to copy */
  __u64 pos;      /* stream position of buf[0] */
  struct ap_conn_id conn;
  __u32 call_len;
  __u8 dir;
  __u8 flags;
};

static long copy_chunk(__u32 index, void *arg) {
  struct copy_ctx *c = arg;
  __u64 offset = (__u64)index * AP_CHUNK_SIZE;
  if (offset >= c->len) return 1;
  __u32 zero = 0;
  struct ap_data_event *e = bpf_map_lookup_elem(&data_scratch, &zero);
  if (!e) return 1;
  __u64 n = c->len - offset;
  if (n > AP_CHUNK_SIZE) n = AP_CHUNK_SIZE;
  fill_header(&e->hdr, AP_EV_DATA);
  e->conn = c->conn;
  e->pos = c->pos + offset;
  e->len = n;
  e->call_len = c->call_len;
  e->dir = c->dir;
  e->flags = c->flags;
  bpf_get_current_comm(&e->comm, sizeof(e->comm));
  __u32 copy = n & (AP_CHUNK_SIZE * 2 - 1);
  if (copy > AP_CHUNK_SIZE) copy = AP_CHUNK_SIZE;
  if (bpf_probe_read_user(e->data, copy, c->buf + offset) != 0) {
    stat_add(AP_STAT_READ_FAIL, 1);
    stat_add(AP_STAT_READ_FAIL_BYTES, n);
  } else if (bpf_ringbuf_output(&events, e, AP_DATA_HEADER_SIZE + copy, ringbuf_flags()) != 0) {
    stat_add(AP_STAT_RB_FULL_DATA, 1);
    stat_add(AP_STAT_RB_FULL_DATA_BYTES, n);
  } else {
    stat_add(AP_STAT_DATA_EVENTS, 1);
    stat_add(AP_STAT_DATA_BYTES, n);
  }
  return 0;
}

/* Emits `len` bytes at `buf` as data records of connection `key`/`st`, direction `dir`, reserving
 * their stream positions first so concurrent callers never interleave positions. */
static __always_inline void emit_data(struct conn_key *key, struct conn_state *st, __u8 dir,
                                      const void *buf, __u64 len) {
  if (len == 0) return;
  struct copy_ctx c = {};
  c.buf = buf;
  c.len = len;
  c.call_len = len > 0xffffffffull ? 0xffffffffu : (__u32)len;
  c.dir = dir;
  c.pos = __sync_fetch_and_add(&st->pos[dir & 1], len);
  c.conn.id = key->id;
  c.conn.generation = st->generation;
  c.conn.source = key->source;
  if (len > AP_MAX_CALL_BYTES) {
    stat_add(AP_STAT_TRUNCATED_BYTES, len - AP_MAX_CALL_BYTES);
    c.len = AP_MAX_CALL_BYTES;
    c.flags |= AP_DATA_TRUNCATED;
  }
  __u32 chunks = (c.len + AP_CHUNK_SIZE - 1) / AP_CHUNK_SIZE;
  bpf_loop(chunks, copy_chunk, &c, 0);
}

static __always_inline void emit_close(struct conn_key *key, struct conn_state *st) {
  struct ap_close_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) {
    stat_add(AP_STAT_RB_FULL_CTRL, 1);
    return;
  }
  fill_header(&e->hdr, AP_EV_CLOSE);
  e->conn.id = key->id;
  e->conn.generation = st->generation;
  e->conn.source = key->source;
  bpf_ringbuf_submit(e, ringbuf_flags());
}

/* Fills addresses of socket `fd` of the current task from its struct sock. Returns false if the
 * fd is not an inet socket. */
static __always_inline bool read_socket_addrs(int fd, struct ap_conn_event *e) {
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
  unsigned int max_fds = BPF_CORE_READ(task, files, fdt, max_fds);
  if (fd < 0 || (unsigned int)fd >= max_fds) return false;
  struct file *f = NULL;
  if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) != 0 || !f) return false;
  umode_t mode = BPF_CORE_READ(f, f_inode, i_mode);
  if ((mode & 00170000) != 0140000) return false; /* S_IFSOCK */
  struct socket *sock = BPF_CORE_READ(f, private_data);
  if (!sock) return false;
  struct sock *sk = BPF_CORE_READ(sock, sk);
  if (!sk) return false;
  __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
  if (family != 2 /* AF_INET */ && family != 10 /* AF_INET6 */) return false;
  e->family = family;
  e->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
  e->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
  if (family == 2) {
    __u32 s = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
    __u32 d = BPF_CORE_READ(sk, __sk_common.skc_daddr);
    __builtin_memcpy(e->laddr, &s, 4);
    __builtin_memcpy(e->raddr, &d, 4);
  } else {
    BPF_CORE_READ_INTO(&e->laddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
    BPF_CORE_READ_INTO(&e->raddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
  }
  e->fd = fd;
  return true;
}

#endif
