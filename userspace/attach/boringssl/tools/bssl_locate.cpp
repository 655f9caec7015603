// bssl_locate [-v] [--cache DIR] BINARY...: runs the BoringSSL locator on each binary and prints the
// result; -v adds the per-function evidence (reason codes of each function with ssl_lib.cc error
// sites); --cache analyses through the result cache in DIR (twice, to show the cached cost).
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "attach/boringssl/boringssl_locator.h"
#include "attach/boringssl/hex.h"

using namespace agentprof::boringssl;

int main(int argc, char** argv) {
  bool verbose = false;
  std::string cache_dir;
  int status = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "-v") == 0) {
      verbose = true;
      continue;
    }
    if (std::strcmp(argv[i], "--cache") == 0 && i + 1 < argc) {
      cache_dir = argv[++i];
      continue;
    }
    LocatorDiagnostics diag;
    auto t0 = std::chrono::steady_clock::now();
    bool precheck = may_embed_boringssl(argv[i]);
    double precheck_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%s\n  precheck: %s (%.2f ms)\n", argv[i], precheck ? "yes" : "no", precheck_ms);
    BoringSslLocation loc;
    if (cache_dir.empty()) {
      loc = locate_boringssl(argv[i], &diag);
    } else {
      loc = locate_boringssl_cached(argv[i], cache_dir);
      std::printf("  first:  %s %.4f s\n", loc.from_cache ? "cache hit" : "analysed", loc.analysis_seconds);
      loc = locate_boringssl_cached(argv[i], cache_dir);
      std::printf("  second: %s %.4f s\n", loc.from_cache ? "cache hit" : "analysed", loc.analysis_seconds);
    }
    std::printf("  found: %s (%s)\n  build id: %s\n  time: %.3f s\n", loc.found ? "yes" : "no", loc.reason.c_str(), loc.build_id.c_str(),
                loc.analysis_seconds);
    if (loc.found) {
      std::printf("  SSL_write  vaddr %s file offset %s\n", hex(loc.ssl_write_vaddr).c_str(), hex(loc.ssl_write).c_str());
      std::printf("  SSL_read   vaddr %s file offset %s\n", hex(loc.ssl_read_vaddr).c_str(), hex(loc.ssl_read).c_str());
      if (loc.destructor_found)
        std::printf("  ~ssl_st    vaddr %s file offset %s\n", hex(loc.ssl_free_destructor_vaddr).c_str(),
                    hex(loc.ssl_free_destructor).c_str());
      else
        std::printf("  ~ssl_st    not found: %s\n", loc.destructor_reason.c_str());
    } else {
      status = 1;
    }
    if (verbose) {
      std::printf("  strings %zu, confirmed sites %zu, resolved %zu\n", diag.string_count, diag.reference_sites,
                  diag.resolved_sites);
      for (const auto& p : diag.site_problems) std::printf("  site problem: %s\n", p.c_str());
      for (const auto& [start, f] : diag.functions) {
        std::printf("  fn %s reasons {", hex(start).c_str());
        for (uint32_t r : f.reasons) std::printf(" %u", r);
        std::printf(" } unresolved %zu calls %zu\n", f.unresolved_sites, f.direct_calls.size());
      }
    }
  }
  return status;
}
