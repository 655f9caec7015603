/* Socket syscalls: plaintext TCP capture on configured ports, connection addresses and lifetimes,
 * and the SSL* -> socket mapping (a read/write syscall seen while an SSL_* call is in flight on the
 * same thread belongs to that SSL connection). Tracepoints only: no kprobes on the target kernels. */
#include "common.bpf.h"

#define EINPROGRESS 115

static __always_inline void emit_conn(struct conn_key *key, struct conn_state *st,
                                      struct ap_conn_event *addrs, __u8 role) {
  struct ap_conn_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) {
    stat_add(AP_STAT_RB_FULL_CTRL, 1);
    return;
  }
  __builtin_memcpy(e, addrs, sizeof(*e));
  fill_header(&e->hdr, AP_EV_CONN);
  e->conn.id = key->id;
  e->conn.generation = st->generation;
  e->conn.source = key->source;
  e->role = role;
  bpf_get_current_comm(&e->comm, sizeof(e->comm));
  bpf_ringbuf_submit(e, ringbuf_flags());
}

/* A syscall on `fd` inside an SSL_* call: remember which socket carries that SSL connection. */
static __always_inline bool note_ssl_socket(__u64 pid_tgid, int fd) {
  struct ssl_call *call = bpf_map_lookup_elem(&ssl_calls, &pid_tgid);
  if (!call) return false;
  struct conn_key key = {.tgid = pid_tgid >> 32, .source = AP_SRC_TLS, .id = call->ssl};
  struct conn_state *st = get_conn(&key, true);
  if (!st || st->fd == fd) return true;
  st->fd = fd;
  struct ap_conn_event addrs = {};
  if (read_socket_addrs(fd, &addrs)) emit_conn(&key, st, &addrs, AP_ROLE_UNKNOWN);
  return true;
}

static __always_inline bool port_captured(__u16 port) {
  return bpf_map_lookup_elem(&capture_ports, &port) != NULL;
}

static __always_inline int io_enter(int fd, __u64 ptr, __u32 count, __u8 kind, __u8 dir) {
  if (!in_scope()) return 0;
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  if (note_ssl_socket(pid_tgid, fd)) return 0; /* TLS ciphertext: the SSL probes carry it */
  struct conn_key key = {.tgid = pid_tgid >> 32, .source = AP_SRC_SOCK, .id = (__u64)fd};
  if (!bpf_map_lookup_elem(&conns, &key)) return 0;
  struct sock_call c = {.ptr = ptr, .count = count, .fd = fd, .kind = kind, .dir = dir};
  if (bpf_map_update_elem(&sock_calls, &pid_tgid, &c, BPF_ANY) != 0)
    stat_add(AP_STAT_ARGS_MAP_FULL, 1);
  return 0;
}

struct user_msghdr_min {
  void *msg_name;
  int msg_namelen;
  void *msg_iov;
  __u64 msg_iovlen;
};

struct iovec_min {
  void *iov_base;
  __u64 iov_len;
};

static __always_inline int io_exit(long ret) {
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  struct sock_call *p = bpf_map_lookup_elem(&sock_calls, &pid_tgid);
  if (!p) return 0;
  struct sock_call c = *p;
  bpf_map_delete_elem(&sock_calls, &pid_tgid);
  if (ret <= 0) return 0;
  stat_add(AP_STAT_SOCK_CALLS, 1);
  struct conn_key key = {.tgid = pid_tgid >> 32, .source = AP_SRC_SOCK, .id = (__u64)c.fd};
  struct conn_state *st = get_conn(&key, false);
  if (!st) return 0;
  if (c.kind == SC_BUF) {
    emit_data(&key, st, c.dir, (const void *)c.ptr, ret);
    return 0;
  }
  __u64 iov_ptr = c.ptr;
  __u64 iov_count = c.count;
  if (c.kind == SC_MSG) {
    struct user_msghdr_min msg = {};
    if (bpf_probe_read_user(&msg, sizeof(msg), (void *)c.ptr) != 0) {
      stat_add(AP_STAT_READ_FAIL, 1);
      stat_add(AP_STAT_READ_FAIL_BYTES, ret);
      __sync_fetch_and_add(&st->pos[c.dir & 1], ret);
      return 0;
    }
    iov_ptr = (__u64)msg.msg_iov;
    iov_count = msg.msg_iovlen;
  }
  __u64 remaining = ret;
  for (int i = 0; i < AP_MAX_IOV; i++) {
    if (i >= iov_count || remaining == 0) break;
    struct iovec_min iov = {};
    if (bpf_probe_read_user(&iov, sizeof(iov), (void *)(iov_ptr + i * sizeof(iov))) != 0) break;
    __u64 n = iov.iov_len < remaining ? iov.iov_len : remaining;
    emit_data(&key, st, c.dir, iov.iov_base, n);
    remaining -= n;
  }
  if (remaining > 0) {
    /* More iovecs than we walk: keep positions exact so userspace sees the hole. */
    stat_add(AP_STAT_TRUNCATED_BYTES, remaining);
    __sync_fetch_and_add(&st->pos[c.dir & 1], remaining);
  }
  return 0;
}

#define ARG(ctx, n) ((ctx)->args[n])

SEC("tracepoint/syscalls/sys_enter_read")
int enter_read(struct trace_event_raw_sys_enter *ctx) {
  return io_enter(ARG(ctx, 0), ARG(ctx, 1), 0, SC_BUF, AP_DIR_INGRESS);
}
SEC("tracepoint/syscalls/sys_exit_read")
int exit_read(struct trace_event_raw_sys_exit *ctx) { return io_exit(ctx->ret); }

SEC("tracepoint/syscalls/sys_enter_write")
int enter_write(struct trace_event_raw_sys_enter *ctx) {
  return io_enter(ARG(ctx, 0), ARG(ctx, 1), 0, SC_BUF, AP_DIR_EGRESS);
}
SEC("tracepoint/syscalls/sys_exit_write")
int exit_write(struct trace_event_raw_sys_exit *ctx) { return io_exit(ctx->ret); }

SEC("tracepoint/syscalls/sys_enter_recvfrom")
int enter_recvfrom(struct trace_event_raw_sys_enter *ctx) {
  return io_enter(ARG(ctx, 0), ARG(ctx, 1), 0, SC_BUF, AP_DIR_INGRESS);
}
SEC("tracepoint/syscalls/sys_exit_recvfrom")
int exit_recvfrom(struct trace_event_raw_sys_exit *ctx) { return io_exit(ctx->ret); }

SEC("tracepoint/syscalls/sys_enter_sendto")
int enter_sendto(struct trace_event_raw_sys_enter *ctx) {
  return io_enter(ARG(ctx, 0), ARG(ctx, 1), 0, SC_BUF, AP_DIR_EGRESS);
}
SEC("tracepoint/syscalls/sys_exit_sendto")
int exit_sendto(struct trace_event_raw_sys_exit *ctx) { return io_exit(ctx->ret); }

SEC("tracepoint/syscalls/sys_enter_readv")
int enter_readv(struct trace_event_raw_sys_enter *ctx) {
  return io_enter(ARG(ctx, 0), ARG(ctx, 1), ARG(ctx, 2), SC_IOV, AP_DIR_INGRESS);
}
SEC("tracepoint/syscalls/sys_exit_readv")
int exit_readv(struct trace_event_raw_sys_exit *ctx) { return io_exit(ctx->ret); }

SEC("tracepoint/syscalls/sys_enter_writev")
int enter_writev(struct trace_event_raw_sys_enter *ctx) {
  return io_enter(ARG(ctx, 0), ARG(ctx, 1), ARG(ctx, 2), SC_IOV, AP_DIR_EGRESS);
}
SEC("tracepoint/syscalls/sys_exit_writev")
int exit_writev(struct trace_event_raw_sys_exit *ctx) { return io_exit(ctx->ret); }

SEC("tracepoint/syscalls/sys_enter_recvmsg")
int enter_recvmsg(struct trace_event_raw_sys_enter *ctx) {
  return io_enter(ARG(ctx, 0), ARG(ctx, 1), 0, SC_MSG, AP_DIR_INGRESS);
}
SEC("tracepoint/syscalls/sys_exit_recvmsg")
int exit_recvmsg(struct trace_event_raw_sys_exit *ctx) { return io_exit(ctx->ret); }

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int enter_sendmsg(struct trace_event_raw_sys_enter *ctx) {
  return io_enter(ARG(ctx, 0), ARG(ctx, 1), 0, SC_MSG, AP_DIR_EGRESS);
}
SEC("tracepoint/syscalls/sys_exit_sendmsg")
int exit_sendmsg(struct trace_event_raw_sys_exit *ctx) { return io_exit(ctx->ret); }

/* connect / accept: a new TCP connection. Tracked when its port is one we capture. */
static __always_inline int conn_enter(int fd, __u8 kind) {
  if (!in_scope()) return 0;
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  struct sock_call c = {.fd = fd, .kind = kind};
  bpf_map_update_elem(&sock_calls, &pid_tgid, &c, BPF_ANY);
  return 0;
}

static __always_inline int conn_exit(long ret) {
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  struct sock_call *p = bpf_map_lookup_elem(&sock_calls, &pid_tgid);
  if (!p) return 0;
  struct sock_call c = *p;
  bpf_map_delete_elem(&sock_calls, &pid_tgid);
  __u32 zero = 0;
  struct ap_config *cfg = bpf_map_lookup_elem(&ap_config_map, &zero);
  if (!cfg || !cfg->capture_sockets) return 0;
  int fd;
  __u8 role;
  if (c.kind == SC_CONNECT) {
    if (ret != 0 && ret != -EINPROGRESS) return 0;
    fd = c.fd;
    role = AP_ROLE_CLIENT;
  } else {
    if (ret < 0) return 0;
    fd = ret;
    role = AP_ROLE_SERVER;
  }
  struct ap_conn_event addrs = {};
  if (!read_socket_addrs(fd, &addrs)) return 0;
  __u16 port = role == AP_ROLE_CLIENT ? addrs.rport : addrs.lport;
  if (!port_captured(port)) return 0;
  struct conn_key key = {.tgid = pid_tgid >> 32, .source = AP_SRC_SOCK, .id = (__u64)fd};
  bpf_map_delete_elem(&conns, &key); /* a stale entry of a reused fd: start a new generation */
  struct conn_state *st = get_conn(&key, true);
  if (!st) return 0;
  st->fd = fd;
  emit_conn(&key, st, &addrs, role);
  return 0;
}

SEC("tracepoint/syscalls/sys_enter_connect")
int enter_connect(struct trace_event_raw_sys_enter *ctx) { return conn_enter(ARG(ctx, 0), SC_CONNECT); }
SEC("tracepoint/syscalls/sys_exit_connect")
int exit_connect(struct trace_event_raw_sys_exit *ctx) { return conn_exit(ctx->ret); }

SEC("tracepoint/syscalls/sys_enter_accept4")
int enter_accept4(struct trace_event_raw_sys_enter *ctx) { return conn_enter(ARG(ctx, 0), SC_ACCEPT); }
SEC("tracepoint/syscalls/sys_exit_accept4")
int exit_accept4(struct trace_event_raw_sys_exit *ctx) { return conn_exit(ctx->ret); }

SEC("tracepoint/syscalls/sys_enter_accept")
int enter_accept(struct trace_event_raw_sys_enter *ctx) { return conn_enter(ARG(ctx, 0), SC_ACCEPT); }
SEC("tracepoint/syscalls/sys_exit_accept")
int exit_accept(struct trace_event_raw_sys_exit *ctx) { return conn_exit(ctx->ret); }

SEC("tracepoint/syscalls/sys_enter_close")
int enter_close(struct trace_event_raw_sys_enter *ctx) {
  if (!in_scope()) return 0;
  struct conn_key key = {.tgid = current_tgid(), .source = AP_SRC_SOCK, .id = ARG(ctx, 0)};
  struct conn_state *st = bpf_map_lookup_elem(&conns, &key);
  if (!st) return 0;
  emit_close(&key, st);
  bpf_map_delete_elem(&conns, &key);
  return 0;
}
