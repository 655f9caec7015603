// Flame test target: three functions that take 50%, 30% and 20% of the work, in a loop until killed
// (or for argv[1] seconds). Built with frame pointers and no inlining so every sample's stack shows
// which one was running.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

static volatile uint64_t sink;

// The loop is expanded inside each function (no helper call) so the sampled instruction pointer is
// in the hot function itself, whatever the frame-pointer setup of leaf functions.
#define SPIN(iterations)                                                                  \
  uint64_t x = sink;                                                                      \
  for (uint64_t i = 0; i < (iterations); i++) x = x * 6364136223846793005ull + 1442695040888963407ull; \
  sink = x

extern "C" __attribute__((noinline)) void hot_fifty() { SPIN(5'000'000); }
extern "C" __attribute__((noinline)) void hot_thirty() { SPIN(3'000'000); }
extern "C" __attribute__((noinline)) void hot_twenty() { SPIN(2'000'000); }

int main(int argc, char** argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 1e9;
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  uint64_t rounds = 0;
  while (std::chrono::steady_clock::now() < end) {
    hot_fifty();
    hot_thirty();
    hot_twenty();
    rounds++;
  }
  printf("%llu\n", (unsigned long long)rounds);
  return 0;
}
