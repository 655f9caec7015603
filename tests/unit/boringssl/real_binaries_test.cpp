// Real Bun / Claude Code executables (downloaded with npm, never committed): every build must yield
// exactly one SSL_write, SSL_read and destructor, each starting with the frame prologue, within the
// time budget cold and from the cache. Looks in $AGENTPROF_BUN_BINARIES or /tmp/bun-bins.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "attach/boringssl/boringssl_locator.h"
#include "attach/boringssl/hex.h"

using namespace agentprof::boringssl;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> real_binaries() {
  const char* env = std::getenv("AGENTPROF_BUN_BINARIES");
  fs::path root = env && *env ? env : "/tmp/bun-bins";
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const auto name = it->path().filename().string();
    if ((name == "claude" || name == "bun") && it->is_regular_file(ec) && it->file_size(ec) > (50u << 20))
      out.push_back(it->path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool prologue_at_offset(const std::string& path, uint64_t offset) {
  std::ifstream f(path, std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char b[4] = {};
  f.read(b, 4);
  return f && std::memcmp(b, "\x55\x48\x89\xe5", 4) == 0;
}

}  // namespace

TEST_CASE("real Bun / Claude Code binaries", "[boringssl][real]") {
  auto binaries = real_binaries();
  if (binaries.empty()) {
    WARN("no real binaries in $AGENTPROF_BUN_BINARIES or /tmp/bun-bins: skipped");
    return;
  }
  const std::string cache = "/tmp/bssl-real-cache-" + std::to_string(::getpid());
  for (const auto& path : binaries) {
    INFO(path);
    CHECK(may_embed_boringssl(path));
    BoringSslLocation loc = locate_boringssl(path);
    INFO(loc.reason);
    REQUIRE(loc.found);
    REQUIRE(loc.destructor_found);
    CHECK(prologue_at_offset(path, loc.ssl_write));
    CHECK(prologue_at_offset(path, loc.ssl_read));
    CHECK(prologue_at_offset(path, loc.ssl_free_destructor));
    CHECK(loc.analysis_seconds <= 2.0);
    BoringSslLocation first = locate_boringssl_cached(path, cache);
    BoringSslLocation hit = locate_boringssl_cached(path, cache);
    CHECK(hit.from_cache);
    CHECK(hit.ssl_write == loc.ssl_write);
    CHECK(hit.ssl_read == loc.ssl_read);
    CHECK(hit.ssl_free_destructor == loc.ssl_free_destructor);
    CHECK(hit.analysis_seconds <= 0.010);
    std::cout << path << " build-id " << loc.build_id << ": SSL_write " << hex(loc.ssl_write) << " SSL_read "
              << hex(loc.ssl_read) << " ~ssl_st " << hex(loc.ssl_free_destructor) << " (file offsets); cold "
              << loc.analysis_seconds << " s, cached " << hit.analysis_seconds * 1000 << " ms\n";
  }
  fs::remove_all(cache);
}
