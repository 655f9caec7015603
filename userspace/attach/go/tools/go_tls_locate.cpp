// go_tls_locate BINARY...: prints where crypto/tls Read/Write would be probed, or why not.
#include <cstdio>

#include "attach/go/go_tls_locator.h"

using agentprof::gotls::GoFunctionProbes;

static void print_function(const GoFunctionProbes& f) {
  std::printf("  %s entry=0x%llx (vaddr 0x%llx) rets=", f.name.c_str(),
              (unsigned long long)f.entry, (unsigned long long)f.entry_vaddr);
  for (uint64_t r : f.rets) std::printf("0x%llx ", (unsigned long long)r);
  std::printf("\n");
}

int main(int argc, char** argv) {
  int status = 0;
  for (int i = 1; i < argc; i++) {
    agentprof::gotls::GoTlsLocation loc = agentprof::gotls::locate_go_tls(argv[i]);
    std::printf("%s: %s (%s) go=%s\n", argv[i], loc.found ? "found" : "not found",
                loc.reason.c_str(), loc.go_version.empty() ? "?" : loc.go_version.c_str());
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
