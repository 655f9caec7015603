// agentprof_symbolize: command-line access to the symbolizer, for tests and manual checks.
//   agentprof_symbolize file PATH [VADDR...]   ELF virtual addresses of PATH
//   agentprof_symbolize pid PID [ADDR...]      one stack of a live process (first = instruction pointer,
//                                              the rest return addresses, looked up at address - 1)
//   agentprof_symbolize pid-ips PID [ADDR...]  every address is an instruction pointer (no -1)
//   agentprof_symbolize kernel [ADDR...]       kernel addresses through /proc/kallsyms
// Addresses are hex (0x optional); read one per line from stdin when none are given.
// Output, one line per address: ADDR <tab> FUNCTION <tab> OFFSET <tab> MODULE
// With --lines (first argument): a fifth column FILE:LINE from DWARF ("" when unknown).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "symbolizer/symbolizer.h"

namespace sym = agentprof::symbolizer;

namespace {

bool parse_address(const std::string& text, uint64_t& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  out = std::strtoull(text.c_str(), &end, 16);
  return end != text.c_str() && *end == '\0';
}

int usage() {
  std::cerr << "usage: agentprof_symbolize [--lines] file PATH|pid PID|pid-ips PID|kernel [HEX_ADDRESS...]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  bool lines = argc > 1 && std::string(argv[1]) == "--lines";
  if (lines) {
    --argc;
    ++argv;
  }
  if (argc < 2) return usage();
  std::string mode = argv[1];
  int first_address_arg = mode == "kernel" ? 2 : 3;
  if (mode != "file" && mode != "pid" && mode != "pid-ips" && mode != "kernel") return usage();
  if (argc < first_address_arg) return usage();

  std::vector<uint64_t> addresses;
  std::vector<std::string> inputs;
  for (int i = first_address_arg; i < argc; ++i) inputs.emplace_back(argv[i]);
  if (inputs.empty()) {
    for (std::string line; std::getline(std::cin, line);) {
      if (!line.empty()) inputs.push_back(line);
    }
  }
  for (const std::string& input : inputs) {
    uint64_t address = 0;
    if (!parse_address(input, address)) {
      std::cerr << "not a hex address: " << input << "\n";
      return 2;
    }
    addresses.push_back(address);
  }

  sym::SymbolizerOptions options;
  options.source_lines = lines;
  sym::Symbolizer symbolizer(options);
  auto started = std::chrono::steady_clock::now();
  std::vector<sym::Frame> frames;
  if (mode == "file") {
    frames = symbolizer.symbolize_file(argv[2], addresses);
  } else if (mode == "pid") {
    frames = symbolizer.symbolize(static_cast<pid_t>(std::atoi(argv[2])), addresses);
  } else if (mode == "pid-ips") {
    for (uint64_t address : addresses) {
      auto one = symbolizer.symbolize(static_cast<pid_t>(std::atoi(argv[2])), std::span<const uint64_t>(&address, 1));
      frames.push_back(std::move(one[0]));
    }
  } else {
    frames = symbolizer.symbolize_kernel(addresses);
    if (!symbolizer.kernel_problem().empty()) std::cerr << "kernel: " << symbolizer.kernel_problem() << "\n";
  }
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  for (const sym::Frame& frame : frames) {
    std::printf("0x%llx\t%s\t0x%llx\t%s", static_cast<unsigned long long>(frame.address), frame.function.c_str(),
                static_cast<unsigned long long>(frame.offset), frame.module.c_str());
    if (lines) {
      if (frame.line != 0) {
        std::printf("\t%s:%u", frame.file.c_str(), frame.line);
      } else {
        std::printf("\t");
      }
    }
    std::printf("\n");
  }
  std::fprintf(stderr, "symbolized %zu addresses in %.1f ms (module loads %llu)\n", frames.size(), ms,
               static_cast<unsigned long long>(symbolizer.module_stats().loads));
  return 0;
}
