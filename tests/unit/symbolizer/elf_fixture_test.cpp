// ELF modules built from the fixture binaries: full symbols, separate debug files found through
// .gnu_debuglink and build id, MiniDebugInfo, and refusal of mismatched debug files.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "fixture_process.h"
#include "symbolizer/elf_module.h"
#include "symbolizer/symbolizer.h"

using namespace agentprof::symbolizer;

namespace {

// ELF virtual address of a (mangled) symbol in an unstripped fixture.
uint64_t symbol_vaddr(const std::string& path, std::string_view raw_name) {
  std::string error;
  auto image = ElfImage::open_path(path, &error);
  REQUIRE(image);
  SymbolTable table;
  image->add_function_symbols(table);
  table.finalize();
  for (size_t i = 0; i < table.size(); ++i) {
    if (table.at(static_cast<uint32_t>(i)).name == raw_name) return table.at(static_cast<uint32_t>(i)).address;
  }
  FAIL("symbol not found: " << raw_name);
  return 0;
}

std::shared_ptr<ElfModule> load_module(const std::string& path, const DebugFileLocator& locator = {}) {
  std::string error;
  auto image = ElfImage::open_path(path, &error);
  REQUIRE(image);
  return ElfModule::load(std::move(image), ElfModule::Origin{"", path}, locator);
}

std::string function_at(const ElfModule& module, uint64_t vaddr) {
  auto hit = module.lookup(vaddr);
  return hit ? module.name(hit->index) : std::string(kUnknownFunction);
}

const std::string kFixtureDir = SYMFIX_DIR;
const std::string kStripped = kFixtureDir + "/symfix_stripped";

}  // namespace

TEST_CASE("unstripped PIE: names demangled, offsets from the function start") {
  uint64_t c_fn = symbol_vaddr(SYMFIX_PIE, "symfix_c_function");
  uint64_t ns_fn = symbol_vaddr(SYMFIX_PIE, "_ZN6symfix19namespaced_functionEd");
  uint64_t twice = symbol_vaddr(SYMFIX_PIE, "_ZN6symfix5twiceIlEET_S1_");
  Symbolizer symbolizer;
  std::vector<uint64_t> addresses{c_fn + 3, ns_fn, twice + 1};
  auto frames = symbolizer.symbolize_file(SYMFIX_PIE, addresses);
  REQUIRE(frames.size() == 3);
  CHECK(frames[0].function == "symfix_c_function");
  CHECK(frames[0].offset == 3);
  CHECK(frames[0].resolved);
  CHECK(frames[1].function == "symfix::namespaced_function(double)");
  CHECK(frames[2].function == "long symfix::twice<long>(long)");
  CHECK(frames[2].module == SYMFIX_PIE);
  auto module = load_module(SYMFIX_PIE);
  CHECK(module->symbol_source() == "symtab");
  CHECK(module->build_id().size() >= 16);
}

TEST_CASE("shared library symbols") {
  uint64_t churn = symbol_vaddr(SYMFIX_LIB, "_ZNK6symfix13LibraryWidget5churnEl");
  auto module = load_module(SYMFIX_LIB);
  CHECK(function_at(*module, churn + 2) == "symfix::LibraryWidget::churn(long) const");
  CHECK(module->vaddr_adjustment(0) == 0);
}

TEST_CASE("stripped binary: symbols come from the .gnu_debuglink debug file") {
  uint64_t c_fn = symbol_vaddr(SYMFIX_PIE, "symfix_c_function");
  auto module = load_module(kStripped);
  CHECK(module->symbol_source() == "debuglink:" + kFixtureDir + "/symfix_stripped.debug");
  CHECK(function_at(*module, c_fn + 1) == "symfix_c_function");
}

TEST_CASE("stripped binary without link: debug file found by build id in a debug directory") {
  uint64_t c_fn = symbol_vaddr(SYMFIX_PIE, "symfix_c_function");
  const std::string nolink = kFixtureDir + "/symfix_nolink";
  auto bare = load_module(nolink);
  CHECK(bare->symbol_source() == "dynsym");
  CHECK(function_at(*bare, c_fn + 1) == kUnknownFunction);  // no symbols: unknown, never a guess

  std::string dir = make_temp_dir();
  const std::string& id = bare->build_id();
  REQUIRE(id.size() > 2);
  std::filesystem::create_directories(dir + "/.build-id/" + id.substr(0, 2));
  std::string debug_path = dir + "/.build-id/" + id.substr(0, 2) + "/" + id.substr(2) + ".debug";
  REQUIRE(copy_file(kFixtureDir + "/symfix_stripped.debug", debug_path));
  DebugFileLocator locator;
  locator.debug_dirs = {dir};
  auto found = load_module(nolink, locator);
  CHECK(found->symbol_source() == "build-id:" + debug_path);
  CHECK(function_at(*found, c_fn + 1) == "symfix_c_function");
  std::filesystem::remove_all(dir);
}

TEST_CASE("a debug file from another build is refused") {
  std::string dir = make_temp_dir();
  REQUIRE(copy_file(kStripped, dir + "/symfix_stripped"));
  // Same file name as the debuglink, but the symbols of a different binary (other build id).
  REQUIRE(copy_file(SYMFIX_NOPIE, dir + "/symfix_stripped.debug"));
  auto module = load_module(dir + "/symfix_stripped");
  CHECK(module->symbol_source() == "dynsym");
  uint64_t c_fn_nopie = symbol_vaddr(SYMFIX_NOPIE, "symfix_c_function");
  CHECK(function_at(*module, c_fn_nopie) == kUnknownFunction);
  std::filesystem::remove_all(dir);
}

TEST_CASE("MiniDebugInfo (.gnu_debugdata) supplies the symbols of a stripped binary") {
  uint64_t ns_fn = symbol_vaddr(SYMFIX_PIE, "_ZN6symfix19namespaced_functionEd");
  auto module = load_module(kFixtureDir + "/symfix_minidebug");
  CHECK(module->symbol_source() == "gnu_debugdata");
  CHECK(function_at(*module, ns_fn + 2) == "symfix::namespaced_function(double)");
}

TEST_CASE("files that are not ELF give unknown frames naming the file") {
  Symbolizer symbolizer;
  std::vector<uint64_t> addresses{0x1000};
  auto frames = symbolizer.symbolize_file(std::string(SYMFIX_DIR) + "/symfix_mini.elf.xz", addresses);
  REQUIRE(frames.size() == 1);
  CHECK(frames[0].function == kUnknownFunction);
  CHECK_FALSE(frames[0].resolved);
  CHECK(symbolizer.module_stats().failures == 1);
}

TEST_CASE("PIE load bias: text segment mapping offset translates to ELF virtual addresses") {
  std::string error;
  auto image = ElfImage::open_path(SYMFIX_PIE, &error);
  REQUIRE(image);
  const LoadSegment* text = nullptr;
  for (const LoadSegment& seg : image->load_segments()) {
    if (seg.executable) text = &seg;
  }
  REQUIRE(text != nullptr);
  auto module = load_module(SYMFIX_PIE);
  CHECK(module->vaddr_adjustment(text->offset & ~uint64_t{0xfff}) ==
        static_cast<int64_t>(text->vaddr - text->offset));
}

TEST_CASE("source lines from DWARF, in the binary or its separate debug file") {
  uint64_t c_fn = symbol_vaddr(SYMFIX_PIE, "symfix_c_function");
  SymbolizerOptions options;
  options.source_lines = true;
  Symbolizer symbolizer(options);
  for (const std::string& path : {std::string(SYMFIX_PIE), kStripped}) {
    auto frames = symbolizer.symbolize_file(path, std::vector<uint64_t>{c_fn + 4});
    REQUIRE(frames[0].function == "symfix_c_function");
    CHECK(frames[0].file.size() > std::string("fixture_program.cpp").size());
    CHECK(frames[0].file.find("fixture_program.cpp") != std::string::npos);
    // symfix_c_function spans lines 7-11 of fixture_program.cpp.
    CHECK(frames[0].line >= 7);
    CHECK(frames[0].line <= 11);
  }
  Symbolizer without_lines;
  auto plain = without_lines.symbolize_file(SYMFIX_PIE, std::vector<uint64_t>{c_fn + 4});
  CHECK(plain[0].file.empty());
  CHECK(plain[0].line == 0);
  // MiniDebugInfo carries symbols but no DWARF: a name, and no line rather than a guess. (A fresh
  // symbolizer: the one above would reuse the PIE's module, which has the same build id.)
  Symbolizer fresh(options);
  auto mini = fresh.symbolize_file(kFixtureDir + "/symfix_minidebug", std::vector<uint64_t>{c_fn + 4});
  CHECK(mini[0].function == "symfix_c_function");
  CHECK(mini[0].line == 0);
  CHECK(mini[0].file.empty());
}

TEST_CASE("without build ids, a debug link is accepted only when its CRC matches") {
  uint64_t c_fn = symbol_vaddr(SYMFIX_NOID, "symfix_c_function");
  auto module = load_module(kFixtureDir + "/symfix_noid_stripped");
  CHECK(module->build_id().empty());
  CHECK(module->symbol_source() == "debuglink:" + kFixtureDir + "/symfix_noid.debug");
  CHECK(function_at(*module, c_fn + 1) == "symfix_c_function");

  // The same debug file with one byte changed (outside the symbol table) no longer matches.
  std::string dir = make_temp_dir();
  REQUIRE(copy_file(kFixtureDir + "/symfix_noid_stripped", dir + "/symfix_noid_stripped"));
  REQUIRE(copy_file(kFixtureDir + "/symfix_noid.debug", dir + "/symfix_noid.debug"));
  {
    std::fstream debug(dir + "/symfix_noid.debug", std::ios::in | std::ios::out | std::ios::binary);
    debug.seekp(0x40);  // just past the ELF header: program headers, not symbols
    char byte = 0;
    debug.read(&byte, 1);
    debug.seekp(0x40);
    byte = static_cast<char>(byte ^ 0x01);
    debug.write(&byte, 1);
  }
  {
    // Still a readable ELF with the same symbols: only the CRC tells it apart.
    std::string error;
    auto changed = ElfImage::open_path(dir + "/symfix_noid.debug", &error);
    REQUIRE(changed);
    SymbolTable table;
    CHECK(changed->add_function_symbols(table) > 0);
  }
  auto refused = load_module(dir + "/symfix_noid_stripped");
  CHECK(refused->symbol_source() == "dynsym");
  CHECK(function_at(*refused, c_fn + 1) == kUnknownFunction);
  std::filesystem::remove_all(dir);
}
