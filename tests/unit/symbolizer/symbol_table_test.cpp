#include <catch2/catch.hpp>

#include "symbolizer/symbol_table.h"

using agentprof::symbolizer::SymbolRank;
using agentprof::symbolizer::SymbolTable;

namespace {
std::string name_at(const SymbolTable& table, uint64_t address) {
  auto index = table.find(address);
  return index ? std::string(table.at(*index).name) : std::string("<none>");
}
}  // namespace

TEST_CASE("symbol table finds the covering symbol and never one past its size") {
  SymbolTable table;
  table.add(0x1000, 0x20, "first", SymbolRank::kGlobal);
  table.add(0x1040, 0x10, "second", SymbolRank::kGlobal);
  table.finalize();
  CHECK(name_at(table, 0x0fff) == "<none>");
  CHECK(name_at(table, 0x1000) == "first");
  CHECK(name_at(table, 0x101f) == "first");
  CHECK(name_at(table, 0x1020) == "<none>");  // gap between functions: padding, not "first"
  CHECK(name_at(table, 0x103f) == "<none>");
  CHECK(name_at(table, 0x1040) == "second");
  CHECK(name_at(table, 0x104f) == "second");
  CHECK(name_at(table, 0x1050) == "<none>");  // past the last symbol's size
  CHECK(name_at(table, ~uint64_t{0}) == "<none>");
}

TEST_CASE("aliases collapse to one name, preferring sized, global, public spellings") {
  SymbolTable table;
  table.add(0x2000, 0, "zero_size_alias", SymbolRank::kGlobal);
  table.add(0x2000, 0x40, "__libc_malloc", SymbolRank::kGlobal);
  table.add(0x2000, 0x40, "malloc", SymbolRank::kGlobal);
  table.add(0x2000, 0x40, "local_copy", SymbolRank::kLocal);
  table.add(0x3000, 0x10, "weak_one", SymbolRank::kWeak);
  table.add(0x3000, 0x10, "strong_one", SymbolRank::kGlobal);
  table.finalize();
  CHECK(table.size() == 2);
  CHECK(name_at(table, 0x2010) == "malloc");
  CHECK(name_at(table, 0x3008) == "strong_one");
}

TEST_CASE("an address inside an enclosing symbol after a nested one is found") {
  SymbolTable table;
  table.add(0x1000, 0x100, "outer", SymbolRank::kGlobal);
  table.add(0x1010, 0x8, "inner_label", SymbolRank::kLocal);
  table.finalize();
  CHECK(name_at(table, 0x1014) == "inner_label");
  CHECK(name_at(table, 0x1050) == "outer");  // past inner's size, still inside outer
  CHECK(name_at(table, 0x1100) == "<none>");
}

TEST_CASE("zero-size symbols cover only their own address") {
  SymbolTable table;
  table.add(0x5000, 0, "asm_entry", SymbolRank::kGlobal);
  table.finalize();
  CHECK(name_at(table, 0x5000) == "asm_entry");
  CHECK(name_at(table, 0x5001) == "<none>");
}

TEST_CASE("sizes extended to the next symbol for tables without sizes") {
  SymbolTable table;
  table.add(0x100, 0, "a", SymbolRank::kGlobal);
  table.add(0x180, 0, "b", SymbolRank::kGlobal);
  table.finalize();
  table.extend_sizes_to_next(0x10);
  CHECK(name_at(table, 0x17f) == "a");
  CHECK(name_at(table, 0x18f) == "b");
  CHECK(name_at(table, 0x190) == "<none>");
}

TEST_CASE("empty names and wrapping sizes are safe") {
  SymbolTable table;
  table.add(0x10, 4, "", SymbolRank::kGlobal);
  table.add(~uint64_t{0} - 4, 100, "top", SymbolRank::kGlobal);
  table.finalize();
  CHECK(table.size() == 1);
  CHECK(name_at(table, 0x10) == "<none>");
  CHECK(name_at(table, ~uint64_t{0} - 1) == "top");
}
