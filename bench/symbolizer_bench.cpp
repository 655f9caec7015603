// Symbolizer benchmark: cold load of a large binary (default /usr/bin/node) and warm lookup rate,
// both for ELF virtual addresses and for 16-frame stacks of a live process (this one).
//   bench_symbolizer [BINARY] [SECONDS]
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "symbolizer/elf_image.h"
#include "symbolizer/symbolizer.h"

namespace sym = agentprof::symbolizer;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU time of this thread: rates per CPU-second stay meaningful on a loaded (shared) machine.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Addresses inside random sized function symbols of `path` (ELF virtual addresses).
std::vector<uint64_t> random_function_addresses(const std::string& path, size_t count, std::mt19937_64& rng) {
  std::string error;
  auto image = sym::ElfImage::open_path(path, &error);
  if (!image) return {};
  sym::SymbolTable table;
  image->add_function_symbols(table);
  table.finalize();
  std::vector<uint32_t> sized;
  for (uint32_t i = 0; i < table.size(); ++i) {
    if (table.at(i).size > 0) sized.push_back(i);
  }
  std::vector<uint64_t> out;
  if (sized.empty()) return out;
  for (size_t i = 0; i < count; ++i) {
    const sym::Symbol& s = table.at(sized[rng() % sized.size()]);
    out.push_back(s.address + rng() % s.size);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string binary = argc > 1 ? argv[1] : "/usr/bin/node";
  double budget = argc > 2 ? std::atof(argv[2]) : 2.0;
  std::mt19937_64 rng(42);

  // Cold: a fresh symbolizer each time (file contents in the page cache; first run also pays disk).
  std::vector<double> cold_ms, cold_cpu_ms;
  for (int run = 0; run < 3; ++run) {
    sym::Symbolizer symbolizer;
    std::vector<uint64_t> one{0x1000};
    auto start = Clock::now();
    double cpu_start = thread_cpu_seconds();
    symbolizer.symbolize_file(binary, one);
    cold_cpu_ms.push_back((thread_cpu_seconds() - cpu_start) * 1000);
    cold_ms.push_back(seconds_since(start) * 1000);
  }
  std::sort(cold_ms.begin(), cold_ms.end());
  std::sort(cold_cpu_ms.begin(), cold_cpu_ms.end());
  std::printf("cold load %s: wall min %.1f / median %.1f / max %.1f ms; cpu median %.1f ms\n", binary.c_str(),
              cold_ms[0], cold_ms[1], cold_ms[2], cold_cpu_ms[1]);

  // Warm, ELF addresses: module cached, names demangled on first use then cached.
  {
    sym::Symbolizer symbolizer;
    auto addresses = random_function_addresses(binary, 100000, rng);
    if (addresses.empty()) {
      std::fprintf(stderr, "no sized function symbols in %s\n", binary.c_str());
      return 1;
    }
    symbolizer.symbolize_file(binary, addresses);  // warm-up: load + demangle once
    size_t lookups = 0, resolved = 0;
    auto start = Clock::now();
    double cpu_start = thread_cpu_seconds();
    while (seconds_since(start) < budget) {
      for (const auto& frame : symbolizer.symbolize_file(binary, addresses)) resolved += frame.resolved;
      lookups += addresses.size();
    }
    double elapsed = seconds_since(start), cpu = thread_cpu_seconds() - cpu_start;
    std::printf("warm file lookups: %.2f M/s wall, %.2f M per cpu-second (%zu lookups, %.1f%% resolved)\n",
                lookups / elapsed / 1e6, lookups / cpu / 1e6, lookups, 100.0 * resolved / lookups);
  }

  // Warm, live process stacks: this process's libc / libstdc++ / executable.
  {
    void* targets[] = {reinterpret_cast<void*>(&std::malloc), reinterpret_cast<void*>(&std::free),
                       reinterpret_cast<void*>(&std::printf), reinterpret_cast<void*>(&std::strlen),
                       reinterpret_cast<void*>(&::getpid), reinterpret_cast<void*>(&::write),
                       reinterpret_cast<void*>(static_cast<double (*)(double)>(&std::cos)),
                       reinterpret_cast<void*>(&random_function_addresses), reinterpret_cast<void*>(&main)};
    std::vector<uint64_t> stack_pool;
    for (int i = 0; i < 4096; ++i) {
      stack_pool.push_back(reinterpret_cast<uint64_t>(targets[rng() % std::size(targets)]) + 1 + rng() % 8);
    }
    sym::Symbolizer symbolizer;
    pid_t self = getpid();
    size_t lookups = 0, resolved = 0;
    auto start = Clock::now();
    double cpu_start = thread_cpu_seconds();
    while (seconds_since(start) < budget) {
      for (size_t i = 0; i + 16 <= stack_pool.size(); i += 16) {
        auto frames = symbolizer.symbolize(self, std::span<const uint64_t>(stack_pool.data() + i, 16));
        for (const auto& frame : frames) resolved += frame.resolved;
        lookups += 16;
      }
    }
    double elapsed = seconds_since(start), cpu = thread_cpu_seconds() - cpu_start;
    std::printf("warm process stacks (16 frames): %.2f M frames/s wall, %.2f M per cpu-second (%.1f%% resolved, "
                "maps reads %llu)\n",
                lookups / elapsed / 1e6, lookups / cpu / 1e6, 100.0 * resolved / lookups,
                static_cast<unsigned long long>(symbolizer.stats().maps_reads));
  }
  return 0;
}
