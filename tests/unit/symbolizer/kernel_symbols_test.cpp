#include <catch2/catch.hpp>

#include "symbolizer/kernel_symbols.h"

using agentprof::symbolizer::KernelSymbols;

TEST_CASE("kallsyms text symbols resolve with module names; data symbols are ignored") {
  KernelSymbols kernel;
  REQUIRE(kernel.load_text(
      "ffffffff81000000 T _stext\n"
      "ffffffff81000000 T _text\n"
      "ffffffff81000100 t do_one_initcall\n"
      "ffffffff81000200 D some_data\n"
      "ffffffff81000300 T schedule\n"
      "ffffffffc0000000 t ext4_fill_super\t[ext4]\n"
      "ffffffffc0000400 T ext4_sync_fs\t[ext4]\n"
      "this is not a kallsyms line\n"));
  CHECK(kernel.size() == 5);
  CHECK(kernel.malformed_lines() == 1);
  auto hit = kernel.find(0xffffffff81000150);
  REQUIRE(hit);
  CHECK(hit->name == "do_one_initcall");
  CHECK(hit->module.empty());
  CHECK(hit->offset == 0x50);
  // some_data is not text: the function before it continues up to schedule.
  CHECK(kernel.find(0xffffffff81000250)->name == "do_one_initcall");
  auto module_hit = kernel.find(0xffffffffc0000010);
  REQUIRE(module_hit);
  CHECK(module_hit->name == "ext4_fill_super");
  CHECK(module_hit->module == "ext4");
  CHECK(kernel.find(0xffffffff80000000) == std::nullopt);
  // Same address, T aliases: the first in preference order (_stext vs _text: fewer underscores).
  CHECK(kernel.find(0xffffffff81000000)->name == "_text");
}

TEST_CASE("kallsyms with hidden addresses reports why instead of resolving everything to one name") {
  KernelSymbols kernel;
  CHECK_FALSE(kernel.load_text("0000000000000000 T _stext\n0000000000000000 t foo\n"));
  CHECK_FALSE(kernel.available());
  CHECK(kernel.problem().find("kptr_restrict") != std::string::npos);
  CHECK(kernel.find(0) == std::nullopt);
}

TEST_CASE("the last kernel symbol does not swallow arbitrarily far addresses") {
  KernelSymbols kernel;
  REQUIRE(kernel.load_text("ffffffff81000000 T only\n"));
  CHECK(kernel.find(0xffffffff81000010));
  CHECK_FALSE(kernel.find(0xffffffff91000000));
}
