// The result cache: a second analysis of the same binary is served from disk, corrupt or stale
// entries are ignored, and results that depend on I/O failures are never stored.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "attach/boringssl/boringssl_locator.h"
#include "attach/boringssl/location_cache.h"
#include "fixture_builder.h"

using namespace agentprof::boringssl;
using bssl_fixture::Fixture;
using bssl_fixture::Spec;

namespace {

std::string fresh_dir(const std::string& name) {
  std::string dir = bssl_fixture::temp_dir() + "/cache-" + name;
  std::filesystem::remove_all(dir);
  return dir + "/nested";  // the cache creates missing parents
}

std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

}  // namespace

TEST_CASE("second analysis comes from the cache with identical results", "[boringssl]") {
  Fixture fx = bssl_fixture::build(Spec{});
  std::string bin = bssl_fixture::write_temp(fx.image, "cached");
  std::string dir = fresh_dir("hit");
  BoringSslLocation first = locate_boringssl_cached(bin, dir);
  REQUIRE(first.found);
  CHECK_FALSE(first.from_cache);
  BoringSslLocation second = locate_boringssl_cached(bin, dir);
  CHECK(second.from_cache);
  CHECK(second.found);
  CHECK(second.ssl_write == first.ssl_write);
  CHECK(second.ssl_read == first.ssl_read);
  CHECK(second.ssl_free_destructor == first.ssl_free_destructor);
  CHECK(second.ssl_write_vaddr == fx.ssl_write);
  CHECK(second.destructor_found);
  CHECK(second.build_id == first.build_id);
  CHECK(second.reason == first.reason);
  CHECK(second.analysis_seconds < 0.010);
}

TEST_CASE("refusals are cached with their reason", "[boringssl]") {
  Spec spec;
  spec.duplicate_ssl_write = true;
  std::string bin = bssl_fixture::write_temp(bssl_fixture::build(spec).image, "cached_refusal");
  std::string dir = fresh_dir("refusal");
  BoringSslLocation first = locate_boringssl_cached(bin, dir);
  BoringSslLocation second = locate_boringssl_cached(bin, dir);
  CHECK_FALSE(second.found);
  CHECK(second.from_cache);
  CHECK(second.reason == first.reason);
  CHECK(second.ssl_write == 0);
}

TEST_CASE("corrupt cache entries are ignored and replaced", "[boringssl]") {
  Fixture fx = bssl_fixture::build(Spec{});
  std::string bin = bssl_fixture::write_temp(fx.image, "corrupt");
  std::string dir = fresh_dir("corrupt");
  BoringSslLocation first = locate_boringssl_cached(bin, dir);
  REQUIRE(first.found);
  LocationCache cache(dir);
  const std::string entry = cache.entry_path(first.build_id);
  const std::string good = read_all(entry);
  REQUIRE_FALSE(good.empty());

  std::string flipped = good;
  flipped[good.find("ssl_write 0x") + 12] ^= 1;  // an address changed: the checksum no longer matches
  for (const std::string& bad : {std::string("garbage"), std::string(), good.substr(0, good.size() / 2), flipped}) {
    std::ofstream(entry, std::ios::binary | std::ios::trunc) << bad;
    BoringSslLocation again = locate_boringssl_cached(bin, dir);
    CHECK_FALSE(again.from_cache);
    REQUIRE(again.found);
    CHECK(again.ssl_write_vaddr == fx.ssl_write);
    CHECK(read_all(entry) == good);  // rewritten
  }
}

TEST_CASE("a well-formed entry naming non-function addresses is not trusted", "[boringssl]") {
  Fixture fx = bssl_fixture::build(Spec{});
  std::string bin = bssl_fixture::write_temp(fx.image, "stale");
  std::string dir = fresh_dir("stale");
  BoringSslLocation first = locate_boringssl_cached(bin, dir);
  REQUIRE(first.found);
  BoringSslLocation forged = first;
  forged.ssl_write_vaddr += 1;  // not a function start
  forged.ssl_write += 1;
  LocationCache cache(dir);
  REQUIRE(cache.store(first.build_id, forged));
  BoringSslLocation again = locate_boringssl_cached(bin, dir);
  CHECK_FALSE(again.from_cache);
  CHECK(again.ssl_write_vaddr == fx.ssl_write);
}

TEST_CASE("an entry writable by others is not trusted", "[boringssl]") {
  Fixture fx = bssl_fixture::build(Spec{});
  std::string bin = bssl_fixture::write_temp(fx.image, "world_writable");
  std::string dir = fresh_dir("perm");
  REQUIRE(locate_boringssl_cached(bin, dir).found);
  const std::string entry = LocationCache(dir).entry_path(locate_boringssl(bin).build_id);
  REQUIRE(::chmod(entry.c_str(), 0666) == 0);
  CHECK_FALSE(locate_boringssl_cached(bin, dir).from_cache);
  REQUIRE(::chmod(entry.c_str(), 0644) == 0);
  CHECK(locate_boringssl_cached(bin, dir).from_cache);
}

TEST_CASE("cache entries round-trip and reject inconsistent content", "[boringssl]") {
  BoringSslLocation loc;
  loc.found = true;
  loc.reason = "located\nwith a newline";
  loc.ssl_write = 0x10;
  loc.ssl_write_vaddr = 0x400010;
  loc.ssl_read = 0x20;
  loc.ssl_read_vaddr = 0x400020;
  loc.destructor_reason = "no SSL_new";
  auto back = parse_cache_entry("abc", serialize_cache_entry("abc", loc));
  REQUIRE(back);
  CHECK(back->found);
  CHECK(back->reason == "located with a newline");
  CHECK(back->ssl_read_vaddr == 0x400020);
  CHECK_FALSE(back->destructor_found);
  CHECK(back->destructor_reason == "no SSL_new");
  CHECK_FALSE(parse_cache_entry("other-key", serialize_cache_entry("abc", loc)));

  BoringSslLocation inconsistent;  // a refusal carrying an address
  inconsistent.ssl_write_vaddr = 0x400010;
  CHECK_FALSE(parse_cache_entry("abc", serialize_cache_entry("abc", inconsistent)));
  CHECK(LocationCache("/x").entry_path("../etc/passwd").empty());
}

TEST_CASE("an unwritable cache directory still yields the analysis", "[boringssl]") {
  Fixture fx = bssl_fixture::build(Spec{});
  std::string bin = bssl_fixture::write_temp(fx.image, "unwritable");
  BoringSslLocation loc = locate_boringssl_cached(bin, "/proc/agentprof-no-such-dir");
  REQUIRE(loc.found);
  CHECK_FALSE(loc.from_cache);
  CHECK(loc.ssl_write_vaddr == fx.ssl_write);
}
