#include <catch2/catch.hpp>

#include <vector>

#include "profile/python_line_table.h"

using namespace agentprof::profile;

// co_linetable of this function, compiled by /usr/bin/python3.11 (first line 1), and the line of each
// code unit as the interpreter's own code.co_lines() reports it:
//   def sample(n):
//       total = 0
//       for i in range(n):
//           if i % 3 == 0:
//               total += i * i
//           else:
//               total -= 1
//       return total
static const std::vector<uint8_t> kTable = {
    0x80, 0x00, 0xd8, 0x0c, 0x0d, 0x80, 0x45, 0xdd, 0x0d, 0x12, 0x90, 0x31, 0x89, 0x58, 0x8c, 0x58, 0xf0, 0x00,
    0x04, 0x05, 0x17, 0xf0, 0x00, 0x04, 0x05, 0x17, 0x88, 0x01, 0xd8, 0x0b, 0x0c, 0x88, 0x71, 0x89, 0x35, 0x90,
    0x41, 0x8a, 0x3a, 0x88, 0x3a, 0xd8, 0x0c, 0x11, 0x90, 0x51, 0x98, 0x11, 0x91, 0x55, 0x89, 0x4e, 0x88, 0x45,
    0x88, 0x45, 0xe0, 0x0c, 0x11, 0x90, 0x51, 0x89, 0x4a, 0x88, 0x45, 0x88, 0x45, 0xd8, 0x0b, 0x10, 0x80, 0x4c};

TEST_CASE("3.11 location table: every code unit maps to the line CPython reports") {
  std::vector<uint32_t> expected(46, 0);
  expected[0] = 1;
  expected[1] = expected[2] = 2;
  for (int u = 3; u <= 19; u++) expected[size_t(u)] = 3;
  for (int u = 20; u <= 28; u++) expected[size_t(u)] = 4;
  for (int u = 29; u <= 37; u++) expected[size_t(u)] = 5;
  for (int u = 38; u <= 43; u++) expected[size_t(u)] = 7;
  expected[44] = expected[45] = 8;
  for (int64_t u = 0; u < 46; u++) {
    INFO("code unit " << u);
    auto line = python_line_for(kTable, 1, u);
    REQUIRE(line);
    CHECK(*line == expected[size_t(u)]);
  }
  // The same table for a function defined further down: lines shift with the first line.
  CHECK(python_line_for(kTable, 101, 29) == 105u);
}

TEST_CASE("location table: out of range, before the start and malformed give no line") {
  CHECK_FALSE(python_line_for(kTable, 1, 46));
  CHECK_FALSE(python_line_for(kTable, 1, -1));
  std::vector<uint8_t> cut(kTable.begin(), kTable.begin() + 17);  // ends inside a long-form entry
  CHECK_FALSE(python_line_for(cut, 1, 20));
  std::vector<uint8_t> bad = {0x00, 0x01};  // no entry-start bit
  CHECK_FALSE(python_line_for(bad, 1, 0));
  std::vector<uint8_t> no_location = {0xf8};  // code 15, one unit: no line
  CHECK_FALSE(python_line_for(no_location, 1, 0));
  std::vector<uint8_t> endless = {0xe8, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40};
  CHECK_FALSE(python_line_for(endless, 1, 0));  // unterminated varint
}
