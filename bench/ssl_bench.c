/* TLS workload for agentprof's overhead and throughput benchmarks.
 *
 *   ssl_bench CERT KEY latency N SIZE   client times N SSL_write(SIZE) calls (the server drains
 *                                       them), then N SSL_read(SIZE) calls of data the server has
 *                                       already sent, so neither measurement waits on the peer;
 *                                       prints median/p90 ns of each call.
 *   ssl_bench CERT KEY throughput SECONDS SIZE
 *                                       client writes SIZE-byte buffers for SECONDS; prints bytes.
 *   ssl_bench trivial N                 times N calls of an empty noinline function (the floor a
 *                                       uprobe+uretprobe pair adds is measured on it).
 *
 * The server is the parent process; the client is a child (fork + exec of this binary, without
 * LD_LIBRARY_PATH) whose pid is printed as "CLIENT <pid>" before it waits for a line on stdin, so a
 * tracer can be attached to it alone. Run the parent with LD_LIBRARY_PATH pointing at a private copy
 * of libssl/libcrypto and the server's TLS calls do not hit probes placed on the system library. */
#define _GNU_SOURCE
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static void report(const char *what, uint64_t *v, size_t n) {
  qsort(v, n, sizeof(*v), cmp_u64);
  printf("%s median_ns=%llu p90_ns=%llu\n", what, (unsigned long long)v[n / 2],
         (unsigned long long)v[n * 9 / 10]);
}

__attribute__((noinline)) void agentprof_bench_trivial(void) { __asm__ volatile(""); }

static void wait_for_go(void) {
  printf("CLIENT %d\n", getpid());
  fflush(stdout);
  char line[16];
  if (!fgets(line, sizeof(line), stdin)) exit(1);
}

static int trivial_mode(long n) {
  wait_for_go();
  uint64_t *t = malloc(sizeof(uint64_t) * n);
  for (long i = 0; i < n; i++) {
    uint64_t a = now_ns();
    agentprof_bench_trivial();
    t[i] = now_ns() - a;
  }
  report("trivial", t, n);
  return 0;
}

static void die(const char *what) {
  fprintf(stderr, "ssl_bench: %s\n", what);
  ERR_print_errors_fp(stderr);
  exit(1);
}

static void full_write(SSL *s, const char *buf, int n) {
  int off = 0;
  while (off < n) {
    int w = SSL_write(s, buf + off, n - off);
    if (w <= 0) die("SSL_write");
    off += w;
  }
}

static int full_read(SSL *s, char *buf, int n) {
  int off = 0;
  while (off < n) {
    int r = SSL_read(s, buf + off, n - off);
    if (r <= 0) return off;
    off += r;
  }
  return off;
}

static int client_main(int fd, const char *mode, long count, int size) {
  char *buf = malloc(size);
  memset(buf, 'x', size);
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  SSL *s = SSL_new(ctx);
  SSL_set_fd(s, fd);
  if (SSL_connect(s) != 1) die("SSL_connect");
  wait_for_go();
  if (strcmp(mode, "latency") == 0) {
    uint64_t *tw = malloc(sizeof(uint64_t) * count), *tr = malloc(sizeof(uint64_t) * count);
    for (long i = 0; i < count; i++) {
      uint64_t a = now_ns();
      full_write(s, buf, size);
      tw[i] = now_ns() - a;
    }
    /* The server answers the last write with `count` records; let them queue up first. */
    char first;
    if (SSL_read(s, &first, 1) != 1) die("sync read");
    usleep(200000);
    for (long i = 0; i < count; i++) {
      uint64_t a = now_ns();
      if (full_read(s, buf, size) != size) die("short read");
      tr[i] = now_ns() - a;
    }
    report("SSL_write", tw, count);
    report("SSL_read", tr, count);
  } else {
    uint64_t end = now_ns() + (uint64_t)count * 1000000000ull, bytes = 0, start = now_ns();
    while (now_ns() < end) {
      full_write(s, buf, size);
      bytes += size;
    }
    double secs = (now_ns() - start) / 1e9;
    printf("throughput bytes=%llu seconds=%.3f MBps=%.1f\n", (unsigned long long)bytes, secs,
           bytes / secs / 1e6);
  }
  SSL_shutdown(s);
  SSL_free(s);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "trivial") == 0) return trivial_mode(atol(argv[2]));
  if (argc == 6 && strcmp(argv[1], "--client") == 0)
    return client_main(atoi(argv[2]), argv[3], atol(argv[4]), atoi(argv[5]));
  if (argc < 6) {
    fprintf(stderr, "usage: ssl_bench CERT KEY latency|throughput N|SECONDS SIZE\n");
    return 2;
  }
  const char *mode = argv[3];
  long count = atol(argv[4]);
  int size = atoi(argv[5]);
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) die("socketpair");
  char *buf = malloc(size);
  memset(buf, 'x', size);

  pid_t child = fork();
  if (child == 0) { /* client: a fresh exec so it maps the system TLS library */
    close(sv[0]);
    unsetenv("LD_LIBRARY_PATH");
    char fd[16];
    snprintf(fd, sizeof(fd), "%d", sv[1]);
    execl("/proc/self/exe", "ssl_bench", "--client", fd, mode, argv[4], argv[5], (char *)NULL);
    die("exec");
  }
  /* server */
  close(sv[1]);
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  if (SSL_CTX_use_certificate_file(ctx, argv[1], SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, argv[2], SSL_FILETYPE_PEM) != 1)
    die("loading cert/key");
  SSL *s = SSL_new(ctx);
  SSL_set_fd(s, sv[0]);
  if (SSL_accept(s) != 1) die("SSL_accept");
  if (strcmp(mode, "latency") == 0) {
    for (long i = 0; i < count; i++)
      if (full_read(s, buf, size) != size) break;
    full_write(s, buf, 1);
    for (long i = 0; i < count; i++) full_write(s, buf, size);
  } else {
    while (SSL_read(s, buf, size) > 0) {
    }
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
