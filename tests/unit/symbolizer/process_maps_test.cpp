#include <catch2/catch.hpp>

#include "symbolizer/process_maps.h"

using namespace agentprof::symbolizer;

TEST_CASE("maps lines parse into executable mappings with paths, deleted flags and devices") {
  const char* text =
      "55d0c8a00000-55d0c8a02000 r--p 00000000 08:01 1234   /usr/bin/app\n"
      "55d0c8a02000-55d0c8a05000 r-xp 00002000 08:01 1234   /usr/bin/app\n"
      "7f0000000000-7f0000010000 r-xp 00001000 fd:02 99 /opt/my dir/lib x.so (deleted)\n"
      "7f1000000000-7f1000001000 rwxp 00000000 00:00 0 \n"
      "7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0                          [vdso]\n";
  MapsParseResult result = parse_maps(text);
  CHECK(result.malformed_lines == 0);
  REQUIRE(result.mappings.size() == 4);  // the r--p mapping is not executable
  const Mapping& app = result.mappings[0];
  CHECK(app.start == 0x55d0c8a02000);
  CHECK(app.end == 0x55d0c8a05000);
  CHECK(app.offset == 0x2000);
  CHECK(app.dev_major == 8);
  CHECK(app.dev_minor == 1);
  CHECK(app.inode == 1234);
  CHECK(app.path == "/usr/bin/app");
  CHECK(app.file_backed());
  const Mapping& deleted = result.mappings[1];
  CHECK(deleted.path == "/opt/my dir/lib x.so");
  CHECK(deleted.deleted);
  CHECK(deleted.dev_major == 0xfd);
  CHECK(result.mappings[2].path.empty());
  CHECK_FALSE(result.mappings[2].file_backed());
  CHECK(result.mappings[3].path == "[vdso]");
  CHECK_FALSE(result.mappings[3].file_backed());

  CHECK(find_mapping(result.mappings, 0x55d0c8a02000) == 0);
  CHECK(find_mapping(result.mappings, 0x55d0c8a04fff) == 0);
  CHECK(find_mapping(result.mappings, 0x55d0c8a05000) == -1);
  CHECK(find_mapping(result.mappings, 0x1000) == -1);
}

TEST_CASE("malformed maps lines are counted, not guessed") {
  const char* text =
      "zzzz-1000 r-xp 00000000 08:01 1 /bad/start\n"
      "2000-1000 r-xp 00000000 08:01 1 /end/before/start\n"
      "3000-4000 r-x\n"
      "5000-6000 r-xp 00000000 08:01\n"
      "7000-8000 r-xp 00000000 08:01 7 /good\n"
      "7800-9000 r-xp 00000000 08:01 8 /overlapping\n";
  MapsParseResult result = parse_maps(text);
  CHECK(result.malformed_lines == 5);
  REQUIRE(result.mappings.size() == 1);
  CHECK(result.mappings[0].path == "/good");
}
