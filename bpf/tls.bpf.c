/* TLS plaintext capture: uprobes on the SSL_* API of OpenSSL / BoringSSL. Bytes are taken at
 * return, when the library has said how many were really written or read.
 *
 * Two ways to probe a function. Classic: uprobe + uretprobe on the exported function. Call site:
 * when the exported function is a thin wrapper whose first instruction the kernel would have to
 * single-step (e.g. `sub rsp, N` — several microseconds in a VM), userspace instead probes the
 * wrapper's call into its implementation (a `call`, which the kernel emulates) and puts the
 * uretprobe on the implementation (which starts with an emulated `push`). The return is matched
 * to its call by the stack pointer, equal at the call instruction and after the return. */
#include "common.bpf.h"

static __always_inline int ssl_enter(void *ssl, const void *buf, void *out_len_ptr, __u8 dir,
                                     __u8 is_ex, __u64 call_sp) {
  if (!in_scope()) return 0;
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  struct ssl_call call = {};
  call.ssl = (__u64)ssl;
  call.buf = (__u64)buf;
  call.out_len_ptr = (__u64)out_len_ptr;
  call.dir = dir;
  call.is_ex = is_ex;
  call.call_sp = call_sp;
  if (bpf_map_update_elem(&ssl_calls, &pid_tgid, &call, BPF_ANY) != 0)
    stat_add(AP_STAT_ARGS_MAP_FULL, 1);
  return 0;
}

/* sp: the stack pointer at a call-site probe's return, 0 at a classic uretprobe. */
static __always_inline int ssl_exit(long ret, __u64 sp) {
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  struct ssl_call *call = bpf_map_lookup_elem(&ssl_calls, &pid_tgid);
  if (!call) {
    /* Out of scope, or the probes were attached while this call was in flight; at a call-site
     * return also: the implementation was called through a path agentprof does not probe. */
    if (in_scope()) stat_add(sp ? AP_STAT_TLS_UNMATCHED_RETURN : AP_STAT_MISSING_ENTRY, 1);
    return 0;
  }
  if (call->call_sp != sp) {
    /* Another call of the implementation (nested, or from an unprobed path): not this entry's. */
    if (sp) stat_add(AP_STAT_TLS_UNMATCHED_RETURN, 1);
    return 0;
  }
  struct ssl_call c = *call;
  bpf_map_delete_elem(&ssl_calls, &pid_tgid);
  stat_add(AP_STAT_TLS_CALLS, 1);

  __u64 n = 0;
  if (c.is_ex) {
    /* SSL_*_ex return 1 on success; the implementations behind a call site return > 0. */
    if (sp ? ret <= 0 : ret != 1) return 0;
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
  return ssl_enter(ssl, buf, 0, AP_DIR_EGRESS, 0, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_exit, int ret) { return ssl_exit(ret, 0); }

SEC("uprobe")
int BPF_KPROBE(ssl_read_enter, void *ssl, void *buf, int num) {
  return ssl_enter(ssl, buf, 0, AP_DIR_INGRESS, 0, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_exit, int ret) { return ssl_exit(ret, 0); }

SEC("uprobe")
int BPF_KPROBE(ssl_write_ex_enter, void *ssl, const void *buf, size_t num, size_t *written) {
  return ssl_enter(ssl, buf, written, AP_DIR_EGRESS, 1, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_ex_exit, int ret) { return ssl_exit(ret, 0); }

SEC("uprobe")
int BPF_KPROBE(ssl_read_ex_enter, void *ssl, void *buf, size_t num, size_t *readbytes) {
  return ssl_enter(ssl, buf, readbytes, AP_DIR_INGRESS, 1, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_ex_exit, int ret) { return ssl_exit(ret, 0); }

/* At the wrapper's `call` into the implementation: the arguments are still in the wrapper's
 * registers (userspace checked that nothing before the call changes them); the bytes-done pointer
 * is in rcx or r8 as the cookie says. */
SEC("uprobe")
int BPF_KPROBE(ssl_callsite_enter) {
  __u64 cookie = bpf_get_attach_cookie(ctx);
  void *ssl = (void *)PT_REGS_PARM1(ctx);
  const void *buf = (const void *)PT_REGS_PARM2(ctx);
  /* Two separate context loads: the verifier rejects a ctx pointer offset chosen at run time. */
  __u64 done_rcx = PT_REGS_PARM4(ctx);
  __u64 done_r8 = PT_REGS_PARM5(ctx);
  barrier_var(done_rcx);
  barrier_var(done_r8);
  void *done = (void *)((cookie & AP_CALLSITE_PTR_R8) ? done_r8 : done_rcx);
  __u8 dir = (cookie & AP_CALLSITE_DIR_INGRESS) ? AP_DIR_INGRESS : AP_DIR_EGRESS;
  return ssl_enter(ssl, buf, done, dir, 1, PT_REGS_SP(ctx));
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_impl_exit, int ret) {
  __u64 sp = PT_REGS_SP(ctx);
  return ssl_exit(ret, sp ? sp : 1);
}

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
