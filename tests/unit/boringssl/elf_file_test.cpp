// ElfFile: header validation, address translation, build id and replacement detection.
#include <elf.h>

#include <catch2/catch.hpp>
#include <cstdio>

#include "attach/boringssl/elf_file.h"
#include "fixture_builder.h"

using namespace agentprof::boringssl;
using bssl_fixture::Fixture;

TEST_CASE("fixture headers are read back", "[boringssl]") {
  Fixture fx = bssl_fixture::build(bssl_fixture::Spec{});
  ElfFile elf;
  REQUIRE(elf.open(bssl_fixture::write_temp(fx.image, "elf_headers")));
  CHECK(elf.machine() == EM_X86_64);
  CHECK(elf.type() == ET_EXEC);
  REQUIRE(elf.section(".text") != nullptr);
  CHECK(elf.section(".text")->vaddr == Fixture::kBase + 0x2000);
  CHECK(elf.vaddr_to_offset(fx.ssl_write) == Fixture::offset_of(fx.ssl_write));
  CHECK_FALSE(elf.vaddr_to_offset(0x10).has_value());
  CHECK(elf.gnu_build_id() == "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3");
  uint8_t b[4];
  CHECK_FALSE(elf.read(fx.image.size() - 2, b, 4));  // past the end
}

TEST_CASE("non-ELF and 32-bit files are rejected", "[boringssl]") {
  ElfFile text;
  CHECK_FALSE(text.open(bssl_fixture::write_temp({'#', '!', '/', 'b', 'i', 'n'}, "script")));
  CHECK(text.error() == "not an ELF file");
  std::vector<uint8_t> elf32 = bssl_fixture::build(bssl_fixture::Spec{}).image;
  elf32[EI_CLASS] = ELFCLASS32;
  ElfFile e32;
  CHECK_FALSE(e32.open(bssl_fixture::write_temp(elf32, "elf32")));
  CHECK(e32.error() == "not a 64-bit little-endian ELF");
}

TEST_CASE("a file replaced after opening is detected", "[boringssl]") {
  Fixture fx = bssl_fixture::build(bssl_fixture::Spec{});
  std::string path = bssl_fixture::write_temp(fx.image, "replaced");
  ElfFile elf;
  REQUIRE(elf.open(path));
  CHECK(elf.unchanged_on_disk(path));
  bssl_fixture::write_temp(fx.image, "replaced");  // same bytes, new inode renamed over the path
  CHECK_FALSE(elf.unchanged_on_disk(path));
  std::remove(path.c_str());
  CHECK_FALSE(elf.unchanged_on_disk(path));
}
