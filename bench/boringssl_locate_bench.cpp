// boringssl_locate_bench BINARY...: analysis time of the stripped-BoringSSL locator per binary:
// "disk" = first analysis after evicting the file from the page cache (posix_fadvise DONTNEED, this
// file only), "uncached" = median of 5 analyses with the file in the page cache, "cached" = median of
// 50 lookups through the result cache, plus the pre-check. Targets: <= 2 s uncached for a 380 MB binary,
// <= 10 ms cached.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "attach/boringssl/boringssl_locator.h"

using namespace agentprof::boringssl;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s BINARY...\n", argv[0]);
    return 2;
  }
  const std::string cache = "/tmp/boringssl-bench-cache-" + std::to_string(::getpid());
  std::printf("%-62s %6s %10s %8s %10s %10s\n", "binary", "MB", "precheck", "disk", "uncached", "cached");
  for (int i = 1; i < argc; ++i) {
    struct stat st {};
    if (::stat(argv[i], &st) != 0) continue;
    std::vector<double> pre, cold, warm;
    bool found = true;
    int fd = ::open(argv[i], O_RDONLY);
    if (fd >= 0) {
      ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
      ::close(fd);
    }
    const double disk = locate_boringssl(argv[i]).analysis_seconds;
    for (int r = 0; r < 5; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      may_embed_boringssl(argv[i]);
      pre.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      BoringSslLocation loc = locate_boringssl(argv[i]);
      found = found && loc.found;
      cold.push_back(loc.analysis_seconds);
    }
    locate_boringssl_cached(argv[i], cache);
    for (int r = 0; r < 50; ++r) {
      BoringSslLocation loc = locate_boringssl_cached(argv[i], cache);
      found = found && loc.from_cache;
      warm.push_back(loc.analysis_seconds);
    }
    std::printf("%-62s %6.0f %8.2fms %7.3fs %9.3fs %8.3fms%s\n", argv[i], st.st_size / 1e6, median(pre) * 1e3,
                disk, median(cold), median(warm) * 1e3, found ? "" : "  (not found / not cached!)");
  }
  std::filesystem::remove_all(cache);
  return 0;
}
