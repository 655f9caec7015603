// Flame test target: three functions that take 50%, 30% and 20% of the work, until killed (or for
// argv[1] seconds). Built with frame pointers and no inlining so every sample's stack shows which one
// was running.
//
// The work comes in short units (~0.1 ms) and each unit goes to a function drawn at random with
// those weights. A fixed schedule (fifty, thirty, twenty, repeat) would alias with the sampling timer
// whenever one round lasts close to a multiple of the sample period — on a machine of the wrong speed
// the shares then come out as anything (41/35/23 was seen at 99 Hz). With a random schedule every
// sample lands on an independent draw, so the shares converge to 50/30/20 at any frequency.
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

constexpr uint64_t kUnitIterations = 100'000;

extern "C" __attribute__((noinline)) void hot_fifty() { SPIN(kUnitIterations); }
extern "C" __attribute__((noinline)) void hot_thirty() { SPIN(kUnitIterations); }
extern "C" __attribute__((noinline)) void hot_twenty() { SPIN(kUnitIterations); }

int main(int argc, char** argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 1e9;
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  uint64_t state = uint64_t(std::chrono::steady_clock::now().time_since_epoch().count()) | 1;
  uint64_t units = 0;
  for (;;) {
    // xorshift64: cheap, and only the schedule's randomness matters here.
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    uint64_t draw = state % 10;
    if (draw < 5) hot_fifty();
    else if (draw < 8) hot_thirty();
    else hot_twenty();
    if (++units % 64 == 0 && std::chrono::steady_clock::now() >= end) break;
  }
  printf("%llu\n", (unsigned long long)units);
  return 0;
}
