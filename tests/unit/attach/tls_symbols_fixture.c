/* A program that exports SSL_write and SSL_read, as an executable with a TLS library linked in
 * does, and then sleeps. The attach tests run it from a copy, replace that copy on disk while it
 * runs, and check that agentprof refuses to probe it. */
#include <stdlib.h>
#include <unistd.h>

/* The shifted build moves the functions, so its offsets are wrong for the plain build. */
#ifdef AGENTPROF_FIXTURE_SHIFTED
#define PLACEMENT __attribute__((noinline, aligned(4096)))
#else
#define PLACEMENT __attribute__((noinline))
#endif

PLACEMENT int SSL_write(void *ssl, const void *buf, int num) {
  (void)ssl;
  (void)buf;
  return num;
}

PLACEMENT int SSL_read(void *ssl, void *buf, int num) {
  (void)ssl;
  (void)buf;
  return num;
}

int main(int argc, char **argv) {
  sleep(argc > 1 ? (unsigned)atoi(argv[1]) : 30);
  return 0;
}
