/* Go crypto/tls plaintext capture: uprobes at the entry of crypto/tls.(*Conn).Write/Read (on the
 * prologue's stack-check branch, see restart_pending) and at
 * every RET instruction inside them (uretprobes overwrite the return address on the goroutine
 * stack, which Go may copy elsewhere when it grows: the process would crash). Register ABI (Go >=
 * 1.17, amd64): receiver in RAX, []byte ptr/len in RBX/RCX; results n in RAX, error in RBX/RCX;
 * R14 holds the current goroutine (g). Bytes are emitted through emit_data() exactly as tls.bpf.c
 * does, with the *Conn as connection id, so userspace handles them like any TLS library. */
#include "common.bpf.h"

/* A call is keyed by goroutine, not thread: a goroutine blocked in Read may resume on another OS
 * thread, and another goroutine may run on this one meanwhile. */
struct go_call_key {
  __u32 tgid;
  __u32 pad;
  __u64 g;
};

struct go_tls_call {
  __u64 conn;
  __u64 buf;
  __u64 len;
  __u8 dir;
  __u8 pad[7];
};

/* LRU: goroutines that never return (blocked reads on idle connections of a killed process) must
 * not fill the map for good. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 65536);
  __type(key, struct go_call_key);
  __type(value, struct go_tls_call);
} go_tls_calls SEC(".maps");

/* Entry probes sit on the jbe of the prologue's stack check (cookie AP_GO_AT_STACK_CHECK). When
 * the cmp before it left CF or ZF set the branch is taken: the goroutine grows its stack (or is
 * preempted) and runs the function from the start again, so this hit is not the call. */
#define X86_EFLAGS_CF 0x1
#define X86_EFLAGS_ZF 0x40
static __always_inline bool restart_pending(struct pt_regs *ctx) {
  return (bpf_get_attach_cookie(ctx) & AP_GO_AT_STACK_CHECK) &&
         (ctx->flags & (X86_EFLAGS_CF | X86_EFLAGS_ZF));
}

/* Writes are emitted at entry: (*Conn).Write sends the whole buffer or fails the connection, and
 * the goroutine may only reach its RET after the peer has answered and another goroutine has
 * already read the response — emitting at RET would put a response ahead of its request. */
static __always_inline int go_write_enter(struct pt_regs *ctx) {
  if (!in_scope() || restart_pending(ctx)) return 0;
  __u64 len = ctx->cx;
  if (len == 0) return 0;
  stat_add(AP_STAT_TLS_CALLS, 1);
  struct conn_key ck = {.tgid = current_tgid(), .source = AP_SRC_TLS, .id = ctx->ax};
  struct conn_state *st = get_conn(&ck, true);
  if (!st) return 0;
  emit_data(&ck, st, AP_DIR_EGRESS, (const void *)ctx->bx, len);
  return 0;
}

static __always_inline int go_enter(struct pt_regs *ctx, __u8 dir) {
  if (!in_scope() || restart_pending(ctx)) return 0;
  struct go_call_key key = {.tgid = current_tgid(), .g = ctx->r14};
  struct go_tls_call call = {};
  call.conn = ctx->ax;
  call.buf = ctx->bx;
  call.len = ctx->cx;
  call.dir = dir;
  /* Without a recognised stack check the probe is on the first instruction, and a stack-growth
   * restart re-enters with the same arguments: overwriting is right. */
  if (bpf_map_update_elem(&go_tls_calls, &key, &call, BPF_ANY) != 0)
    stat_add(AP_STAT_ARGS_MAP_FULL, 1);
  return 0;
}

SEC("uprobe")
int go_tls_write_enter(struct pt_regs *ctx) { return go_write_enter(ctx); }

SEC("uprobe")
int go_tls_read_enter(struct pt_regs *ctx) { return go_enter(ctx, AP_DIR_INGRESS); }

/* Attached at every RET of Read (writes are emitted at entry). */
SEC("uprobe")
int go_tls_return(struct pt_regs *ctx) {
  struct go_call_key key = {.tgid = current_tgid(), .g = ctx->r14};
  struct go_tls_call *saved = bpf_map_lookup_elem(&go_tls_calls, &key);
  if (!saved) {
    if (in_scope()) stat_add(AP_STAT_MISSING_ENTRY, 1); /* a Read entered before attach */
    return 0;
  }
  struct go_tls_call c = *saved;
  bpf_map_delete_elem(&go_tls_calls, &key);
  stat_add(AP_STAT_TLS_CALLS, 1);
  /* n bytes were transferred even when an error is returned alongside; n beyond the buffer
   * would be a broken invariant, never copied. */
  __s64 n = (__s64)ctx->ax;
  if (n <= 0 || (__u64)n > c.len) return 0;
  struct conn_key ck = {.tgid = key.tgid, .source = AP_SRC_TLS, .id = c.conn};
  struct conn_state *st = get_conn(&ck, true);
  if (!st) return 0;
  emit_data(&ck, st, c.dir, (const void *)c.buf, (__u64)n);
  return 0;
}

/* crypto/tls.(*Conn).Close: the connection ends; the *Conn may be reused by a later allocation,
 * and the deleted state gives that one a new generation. */
SEC("uprobe")
int go_tls_close_enter(struct pt_regs *ctx) {
  if (!in_scope() || restart_pending(ctx)) return 0;
  struct conn_key key = {.tgid = current_tgid(), .source = AP_SRC_TLS, .id = ctx->ax};
  struct conn_state *st = get_conn(&key, false);
  if (!st) return 0;
  emit_close(&key, st);
  bpf_map_delete_elem(&conns, &key);
  return 0;
}
