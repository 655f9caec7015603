// go_tls_locate [--cache DIR] BINARY...: prints where crypto/tls Read/Write would be probed, or why
// not, and how long it took (through the cache in DIR when given).
#include <cstdio>
#include <cstring>
#include <string>

#include "attach/go/go_tls_locator.h"

using agentprof::gotls::GoFunctionProbes;

static void print_function(const GoFunctionProbes& f) {
  std::printf("  %s entry=0x%llx (vaddr 0x%llx) entry probe=0x%llx%s rets=", f.name.c_str(),
              (unsigned long long)f.entry, (unsigned long long)f.entry_vaddr, (unsigned long long)f.entry_probe,
              f.entry_at_stack_check ? " (stack check branch)" : "");
  for (uint64_t r : f.rets) std::printf("0x%llx ", (unsigned long long)r);
  std::printf("\n");
}

int main(int argc, char** argv) {
  int status = 0;
  std::string cache;
  for (int i = 1; i < argc; i++) {
    if (std::strcmp(argv[i], "--cache") == 0 && i + 1 < argc) {
      cache = argv[++i];
      continue;
    }
    agentprof::gotls::GoTlsLocation loc =
        cache.empty() ? agentprof::gotls::locate_go_tls(argv[i]) : agentprof::gotls::locate_go_tls_cached(argv[i], cache);
    std::printf("%s: %s (%s) go=%s key=%s %.3f ms%s\n", argv[i], loc.found ? "found" : "not found",
                loc.reason.c_str(), loc.go_version.empty() ? "?" : loc.go_version.c_str(), loc.key.c_str(),
                loc.analysis_seconds * 1000, loc.from_cache ? " (cached)" : "");
    if (!loc.found) {
      status = 1;
      continue;
    }
    print_function(loc.write);
    print_function(loc.read);
    if (loc.has_close) print_function(loc.close);
  }
  return status;
}
