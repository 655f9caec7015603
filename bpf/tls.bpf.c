/* TLS plaintext capture: uprobes on the SSL_* API of OpenSSL / BoringSSL. Bytes are taken at
 * return, when the library has said how many were really written or read. */
#include "common.bpf.h"

static __always_inline int ssl_enter(void *ssl, const void *buf, void *out_len_ptr, __u8 dir,
                                     __u8 is_ex) {
  if (!in_scope()) return 0;
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  struct ssl_call call = {};
  call.ssl = (__u64)ssl;
  call.buf = (__u64)buf;
  call.out_len_ptr = (__u64)out_len_ptr;
  call.dir = dir;
  call.is_ex = is_ex;
  if (bpf_map_update_elem(&ssl_calls, &pid_tgid, &call, BPF_ANY) != 0)
    stat_add(AP_STAT_ARGS_MAP_FULL, 1);
  return 0;
}

static __always_inline int ssl_exit(long ret) {
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  struct ssl_call *call = bpf_map_lookup_elem(&ssl_calls, &pid_tgid);
  if (!call) {
    /* Out of scope, or the probes were attached while this call was in flight. */
    if (in_scope()) stat_add(AP_STAT_MISSING_ENTRY, 1);
    return 0;
  }
  struct ssl_call c = *call;
  bpf_map_delete_elem(&ssl_calls, &pid_tgid);
  stat_add(AP_STAT_TLS_CALLS, 1);

  __u64 n = 0;
  if (c.is_ex) {
    if (ret != 1) return 0;
    size_t transferred = 0;
    if (bpf_probe_read_user(&transferred, sizeof(transferred), (void *)c.out_len_ptr) != 0) {
      stat_add(AP_STAT_READ_FAIL, 1);
      return 0;
    }
    n = transferred;
  } else {
    if (ret <= 0) return 0;
    n = ret;
  }
  struct conn_key key = {.tgid = pid_tgid >> 32, .source = AP_SRC_TLS, .id = c.ssl};
  struct conn_state *st = get_conn(&key, true);
  if (!st) return 0;
  emit_data(&key, st, c.dir, (const void *)c.buf, n);
  return 0;
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_enter, void *ssl, const void *buf, int num) {
  return ssl_enter(ssl, buf, 0, AP_DIR_EGRESS, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_exit, int ret) { return ssl_exit(ret); }

SEC("uprobe")
int BPF_KPROBE(ssl_read_enter, void *ssl, void *buf, int num) {
  return ssl_enter(ssl, buf, 0, AP_DIR_INGRESS, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_exit, int ret) { return ssl_exit(ret); }

SEC("uprobe")
int BPF_KPROBE(ssl_write_ex_enter, void *ssl, const void *buf, size_t num, size_t *written) {
  return ssl_enter(ssl, buf, written, AP_DIR_EGRESS, 1);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_ex_exit, int ret) { return ssl_exit(ret); }

SEC("uprobe")
int BPF_KPROBE(ssl_read_ex_enter, void *ssl, void *buf, size_t num, size_t *readbytes) {
  return ssl_enter(ssl, buf, readbytes, AP_DIR_INGRESS, 1);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_ex_exit, int ret) { return ssl_exit(ret); }

/* SSL_free / SSL_shutdown: the connection ends. The SSL* may be reused by a later allocation; the
 * deleted state gives that one a new generation. */
SEC("uprobe")
int BPF_KPROBE(ssl_close_enter, void *ssl) {
  if (!in_scope()) return 0;
  struct conn_key key = {.tgid = current_tgid(), .source = AP_SRC_TLS, .id = (__u64)ssl};
  struct conn_state *st = get_conn(&key, false);
  if (!st) return 0;
  emit_close(&key, st);
  bpf_map_delete_elem(&conns, &key);
  return 0;
}
