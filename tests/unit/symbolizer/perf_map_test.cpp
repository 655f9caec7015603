#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "fixture_process.h"
#include "symbolizer/perf_map.h"

using namespace agentprof::symbolizer;

TEST_CASE("perf map lines: hex start and size, names with spaces, optional 0x") {
  auto entry = parse_perf_map_line("7f3a1c000040 1a8 LazyCompile:*handler /app/server.js:12:3");
  REQUIRE(entry);
  CHECK(entry->start == 0x7f3a1c000040);
  CHECK(entry->size == 0x1a8);
  CHECK(entry->name == "LazyCompile:*handler /app/server.js:12:3");
  auto python = parse_perf_map_line("0x7f00aa 0x20 py::hot_loop:/srv/agent.py\r");
  REQUIRE(python);
  CHECK(python->start == 0x7f00aa);
  CHECK(python->name == "py::hot_loop:/srv/agent.py");
  CHECK_FALSE(parse_perf_map_line(""));
  CHECK_FALSE(parse_perf_map_line("7f00 10"));      // no name
  CHECK_FALSE(parse_perf_map_line("7f00 0 zero"));  // zero size covers nothing
  CHECK_FALSE(parse_perf_map_line("xyz 10 name"));
  CHECK_FALSE(parse_perf_map_line("ffffffffffffffff 10 wraps"));
}

TEST_CASE("perf map lookups respect sizes; re-jitted ranges replace older entries") {
  PerfMap map("unused");
  map.feed("1000 100 first\n2000 10 second\n");
  REQUIRE(map.entries() == 2);
  CHECK(map.find(0x10ff)->name == "first");
  CHECK(map.find(0x1100) == nullptr);
  CHECK(map.find(0xfff) == nullptr);
  map.feed("1080 100 replacement\n");  // overlaps the tail of "first": newer code wins
  CHECK(map.find(0x1000) == nullptr);
  CHECK(map.find(0x1080)->name == "replacement");
  CHECK(map.find(0x2005)->name == "second");
  map.feed("garbage line\n");
  CHECK(map.malformed_lines() == 1);
}

TEST_CASE("perf map parsing is incremental across chunk boundaries") {
  PerfMap map("unused");
  map.feed("3000 2");
  CHECK(map.entries() == 0);
  map.feed("0 split name\n40");
  REQUIRE(map.entries() == 1);
  CHECK(map.find(0x3010)->name == "split name");
  map.feed("00 8 tail\n");
  CHECK(map.find(0x4004)->name == "tail");
}

TEST_CASE("an over-long line is dropped and counted without buffering it all") {
  PerfMap map("unused");
  std::string junk(70 * 1024, 'a');
  map.feed(junk);
  map.feed(junk);
  map.feed("\n5000 10 after\n");
  CHECK(map.malformed_lines() == 1);
  CHECK(map.find(0x5000)->name == "after");
}

TEST_CASE("entry limit bounds memory and counts drops") {
  PerfMap map("unused", PerfMap::Limits{2, uint64_t{1} << 20});
  map.feed("100 10 a\n200 10 b\n300 10 c\n");
  CHECK(map.entries() == 2);
  CHECK(map.dropped_entries() == 1);
  CHECK(map.find(0x300) == nullptr);
}

TEST_CASE("refresh reads only what was appended, and restarts when the file shrinks") {
  std::string dir = make_temp_dir();
  std::string path = dir + "/perf-1.map";
  {
    std::ofstream out(path);
    out << "1000 10 one\n";
  }
  PerfMap map(path);
  REQUIRE(map.refresh());
  CHECK(map.find(0x1000)->name == "one");
  {
    std::ofstream out(path, std::ios::app);
    out << "2000 10 two\n";
  }
  REQUIRE(map.refresh());
  CHECK(map.find(0x2000)->name == "two");
  CHECK(map.entries() == 2);
  {
    std::ofstream out(path, std::ios::trunc);
    out << "3000 1 x\n";
  }
  REQUIRE(map.refresh());
  CHECK(map.find(0x1000) == nullptr);
  CHECK(map.find(0x3000)->name == "x");
  CHECK_FALSE(PerfMap(dir + "/missing.map").refresh());
  std::filesystem::remove_all(dir);
}
