// Fuzz the text parsers of the symbolizer: /proc/PID/maps, perf maps (incremental, split at a
// fuzz-chosen point), kallsyms, and the demangler wrapper.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "symbolizer/demangle.h"
#include "symbolizer/kernel_symbols.h"
#include "symbolizer/perf_map.h"
#include "symbolizer/process_maps.h"

namespace sym = agentprof::symbolizer;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);

  auto maps = sym::parse_maps(text);
  for (size_t i = 1; i < maps.mappings.size(); ++i) {
    if (maps.mappings[i].start < maps.mappings[i - 1].end) __builtin_trap();  // must be disjoint, sorted
  }
  for (const auto& m : maps.mappings) {
    if (sym::find_mapping(maps.mappings, m.start) < 0) __builtin_trap();
  }

  sym::PerfMap perf_map("unused", sym::PerfMap::Limits{1000, uint64_t{1} << 20});
  size_t split = text.empty() ? 0 : data[0] % (text.size() + 1);
  perf_map.feed(text.substr(0, split));
  perf_map.feed(text.substr(split));
  if (perf_map.entries() > 1000) __builtin_trap();
  for (uint64_t probe : {uint64_t{0}, uint64_t{0x1000}, ~uint64_t{0}}) {
    if (const auto* entry = perf_map.find(probe)) {
      if (probe < entry->start || probe - entry->start >= entry->size) __builtin_trap();
    }
  }

  sym::KernelSymbols kernel;
  kernel.load_text(std::string(text));
  (void)kernel.find(0xffffffff81000000);

  if (text.size() <= 256) (void)sym::demangle(text);
  return 0;
}
