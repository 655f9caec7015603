// The Go locator's result cache: keyed by build id (Go's own when there is no GNU one), a second
// start is served from disk, and corrupt, forged, foreign-writable or inconsistent entries are
// ignored and replaced — the same rules as the BoringSSL cache.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "attach/boringssl/elf_file.h"
#include "attach/go/go_binary_key.h"
#include "attach/go/go_location_cache.h"
#include "attach/go/go_tls_locator.h"
#include "go_builds.h"

using agentprof::gotls::GoLocationCache;
using agentprof::gotls::GoTlsLocation;
using agentprof::gotls::locate_go_tls;
using agentprof::gotls::locate_go_tls_cached;
using gotls_test::builds;
using gotls_test::require_go;

namespace {

std::string fresh_dir(const std::string& name) {
  std::string dir = builds().dir + "/cache-" + name;
  std::filesystem::remove_all(dir);
  return dir + "/nested";  // the cache creates missing parents
}

std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

void check_same_sites(const GoTlsLocation& a, const GoTlsLocation& b) {
  CHECK(a.found == b.found);
  CHECK(a.reason == b.reason);
  CHECK(a.go_version == b.go_version);
  CHECK(a.write.name == b.write.name);
  CHECK(a.write.entry == b.write.entry);
  CHECK(a.write.entry_vaddr == b.write.entry_vaddr);
  CHECK(a.write.rets == b.write.rets);
  CHECK(a.write.entry_probe == b.write.entry_probe);
  CHECK(a.write.entry_at_stack_check == b.write.entry_at_stack_check);
  CHECK(a.read.entry == b.read.entry);
  CHECK(a.read.entry_probe == b.read.entry_probe);
  CHECK(a.read.entry_at_stack_check == b.read.entry_at_stack_check);
  CHECK(a.read.rets == b.read.rets);
  CHECK(a.has_close == b.has_close);
  CHECK(a.close.entry == b.close.entry);
  CHECK(a.close.entry_probe == b.close.entry_probe);
}

}  // namespace

TEST_CASE("go: the cache key is Go's build id when there is no GNU one", "[gotls]") {
  if (!require_go()) return;
  agentprof::boringssl::ElfFile elf;
  REQUIRE(elf.open(builds().stripped));
  REQUIRE(elf.gnu_build_id().empty());
  std::string id = gotls_test::run("go tool buildid " + builds().stripped);
  while (!id.empty() && (id.back() == '\n' || id.back() == '\r')) id.pop_back();
  REQUIRE_FALSE(id.empty());
  CHECK(agentprof::gotls::read_go_build_id(elf) == id);
  std::string key = agentprof::gotls::go_binary_key(elf);
  CHECK(key.rfind("go-", 0) == 0);
  CHECK(key.size() == 3 + 2 * id.size());
  agentprof::boringssl::ElfFile full;
  REQUIRE(full.open(builds().full));
  CHECK(agentprof::gotls::go_binary_key(full) != key);  // another build, another key
}

TEST_CASE("go: second analysis comes from the cache with identical results", "[gotls]") {
  if (!require_go()) return;
  const std::string dir = fresh_dir("hit");
  GoTlsLocation first = locate_go_tls_cached(builds().stripped, dir);
  REQUIRE(first.found);
  CHECK_FALSE(first.from_cache);
  CHECK(first.definitive);
  GoTlsLocation second = locate_go_tls_cached(builds().stripped, dir);
  CHECK(second.from_cache);
  check_same_sites(first, second);
  CHECK(second.key == first.key);
  CHECK(second.analysis_seconds < 0.010);
  auto only_cache = agentprof::gotls::cached_go_tls_location(builds().stripped, dir);
  REQUIRE(only_cache);
  check_same_sites(first, *only_cache);

  // The key is the content's, not the path's: a copy elsewhere is served from the same entry.
  const std::string copy = builds().dir + "/copy_of_stripped";
  std::filesystem::copy_file(builds().stripped, copy, std::filesystem::copy_options::overwrite_existing);
  GoTlsLocation copied = locate_go_tls_cached(copy, dir);
  CHECK(copied.from_cache);
  check_same_sites(first, copied);
}

TEST_CASE("go: a miss is not answered by cached_go_tls_location", "[gotls]") {
  if (!require_go()) return;
  CHECK_FALSE(agentprof::gotls::cached_go_tls_location(builds().stripped, fresh_dir("miss")));
}

TEST_CASE("go: refusals are cached with their reason", "[gotls]") {
  if (!require_go()) return;
  const std::string dir = fresh_dir("refusal");
  GoTlsLocation first = locate_go_tls_cached(builds().no_tls, dir);
  REQUIRE_FALSE(first.found);
  GoTlsLocation second = locate_go_tls_cached(builds().no_tls, dir);
  CHECK(second.from_cache);
  CHECK_FALSE(second.found);
  CHECK(second.reason == first.reason);
  CHECK(second.write.entry == 0);
}

TEST_CASE("go: corrupt and forged cache entries are ignored and replaced", "[gotls]") {
  if (!require_go()) return;
  const std::string dir = fresh_dir("corrupt");
  GoTlsLocation first = locate_go_tls_cached(builds().stripped, dir);
  REQUIRE(first.found);
  GoLocationCache cache(dir);
  const std::string entry = cache.entry_path(first.key);
  const std::string good = read_all(entry);
  REQUIRE_FALSE(good.empty());

  std::string flipped = good;
  flipped[good.find("\nwrite ") + 40] ^= 1;  // inside the line: the checksum no longer matches
  for (const std::string& bad : {std::string("garbage"), std::string(), good.substr(0, good.size() / 2), flipped}) {
    std::ofstream(entry, std::ios::binary | std::ios::trunc) << bad;
    GoTlsLocation again = locate_go_tls_cached(builds().stripped, dir);
    CHECK_FALSE(again.from_cache);
    REQUIRE(again.found);
    check_same_sites(first, again);
    CHECK(read_all(entry) == good);  // rewritten
  }

  // Well-formed, correctly checksummed, but naming a byte that is not a RET: not trusted.
  GoTlsLocation forged = first;
  forged.read.rets[0] += 1;
  REQUIRE(cache.store(first.key, forged));
  GoTlsLocation again = locate_go_tls_cached(builds().stripped, dir);
  CHECK_FALSE(again.from_cache);
  check_same_sites(first, again);
  // An entry offset that is not its vaddr's place in the file: not trusted either.
  forged = first;
  forged.write.entry += 0x1000;
  REQUIRE(cache.store(first.key, forged));
  CHECK_FALSE(locate_go_tls_cached(builds().stripped, dir).from_cache);
}

TEST_CASE("go: an entry writable by others is not trusted", "[gotls]") {
  if (!require_go()) return;
  const std::string dir = fresh_dir("perm");
  GoTlsLocation first = locate_go_tls_cached(builds().stripped, dir);
  REQUIRE(first.found);
  const std::string entry = GoLocationCache(dir).entry_path(first.key);
  REQUIRE(::chmod(entry.c_str(), 0666) == 0);
  CHECK_FALSE(locate_go_tls_cached(builds().stripped, dir).from_cache);
  REQUIRE(::chmod(entry.c_str(), 0644) == 0);
  CHECK(locate_go_tls_cached(builds().stripped, dir).from_cache);
}

TEST_CASE("go: an unwritable cache directory still yields the analysis", "[gotls]") {
  if (!require_go()) return;
  GoTlsLocation loc = locate_go_tls_cached(builds().stripped, "/proc/agentprof-no-such-dir");
  REQUIRE(loc.found);
  CHECK_FALSE(loc.from_cache);
  check_same_sites(locate_go_tls(builds().stripped), loc);
}

TEST_CASE("go: cache entries round-trip and reject inconsistent content", "[gotls]") {
  GoTlsLocation loc;
  loc.found = true;
  loc.reason = "located\nwith a newline";
  loc.go_version = "go1.19.8";
  loc.write = {"crypto/tls.(*Conn).Write", 0x401000, 0x1000, 0x1009, true, {0x1010, 0x1020}};
  loc.read = {"crypto/tls.(*Conn).Read", 0x402000, 0x2000, 0x2000, false, {0x2030}};
  loc.has_close = true;
  loc.close = {"crypto/tls.(*Conn).Close", 0x403000, 0x3000, 0x3004, true, {}};
  auto back = agentprof::gotls::parse_go_cache_entry("k", agentprof::gotls::serialize_go_cache_entry("k", loc));
  REQUIRE(back);
  CHECK(back->found);
  CHECK(back->definitive);
  CHECK(back->reason == "located with a newline");
  CHECK(back->go_version == "go1.19.8");
  CHECK(back->write.rets == loc.write.rets);
  CHECK(back->read.entry_vaddr == 0x402000);
  CHECK(back->close.name == loc.close.name);
  CHECK(back->close.rets.empty());
  CHECK(back->write.entry_probe == 0x1009);
  CHECK(back->write.entry_at_stack_check);
  CHECK(back->read.entry_probe == 0x2000);  // no stack check recognised: the first instruction
  CHECK_FALSE(back->read.entry_at_stack_check);
  CHECK(back->close.entry_probe == 0x3004);
  CHECK_FALSE(agentprof::gotls::parse_go_cache_entry("other", agentprof::gotls::serialize_go_cache_entry("k", loc)));

  GoTlsLocation no_rets = loc;  // a success whose Read has no return to probe
  no_rets.read.rets.clear();
  CHECK_FALSE(agentprof::gotls::parse_go_cache_entry("k", agentprof::gotls::serialize_go_cache_entry("k", no_rets)));
  GoTlsLocation refusal_with_address;
  refusal_with_address.write.entry_vaddr = 0x401000;
  CHECK_FALSE(agentprof::gotls::parse_go_cache_entry(
      "k", agentprof::gotls::serialize_go_cache_entry("k", refusal_with_address)));
  GoTlsLocation too_many = loc;
  too_many.read.rets.assign(65, 0x2030);
  CHECK_FALSE(agentprof::gotls::parse_go_cache_entry("k", agentprof::gotls::serialize_go_cache_entry("k", too_many)));
  CHECK(GoLocationCache("/x").entry_path("../etc/passwd").empty());
  CHECK_FALSE(GoLocationCache("/x").entry_path("go-" + std::string(197, 'a')).empty());  // 200: allowed
  CHECK(GoLocationCache("/x").entry_path("go-" + std::string(198, 'a')).empty());  // 201 characters
}
