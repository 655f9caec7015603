// Pclntab on hand-built tables in the Go 1.18+ layout: names resolve to entry/end, and malformed
// headers or offsets are refused without reading outside the table.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "attach/go/pclntab.h"

using agentprof::gotls::Pclntab;
using agentprof::gotls::PclntabVersion;

namespace {

void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) { std::memcpy(b.data() + at, &v, 4); }
void put64(std::vector<uint8_t>& b, size_t at, uint64_t v) { std::memcpy(b.data() + at, &v, 8); }

// Three functions at text+0x0, +0x40, +0x100; table end at +0x180.
std::vector<uint8_t> make_table(uint32_t magic = 0xfffffff0, uint64_t text = 0x401000) {
  const size_t header = 8 + 8 * 8;
  const char names[] = "main.a\0crypto/tls.(*Conn).Write\0main.c\0";
  const size_t name_off = header;
  const size_t functab_off = name_off + sizeof(names);
  const size_t nfunc = 3;
  const size_t funcs_at = (nfunc + 1) * 8;  // _func records after the table, relative to functab
  std::vector<uint8_t> b(functab_off + funcs_at + nfunc * 8, 0);
  put32(b, 0, magic);
  b[6] = 1;
  b[7] = 8;
  put64(b, 8, nfunc);
  put64(b, 16, 1);            // nfiles
  put64(b, 24, text);         // textStart
  put64(b, 32, name_off);     // funcnameOffset
  put64(b, 64, functab_off);  // pclnOffset (funcdata)
  std::memcpy(b.data() + name_off, names, sizeof(names));
  const uint32_t entries[] = {0x0, 0x40, 0x100, 0x180};
  const uint32_t name_offsets[] = {0, 7, 32};
  for (size_t i = 0; i <= nfunc; i++) {
    put32(b, functab_off + i * 8, entries[i]);
    put32(b, functab_off + i * 8 + 4, uint32_t(funcs_at + (i < nfunc ? i : 0) * 8));
  }
  for (size_t i = 0; i < nfunc; i++) {
    put32(b, functab_off + funcs_at + i * 8, entries[i]);
    put32(b, functab_off + funcs_at + i * 8 + 4, name_offsets[i]);
  }
  return b;
}

}  // namespace

TEST_CASE("pclntab: names resolve to entry and end", "[gotls]") {
  Pclntab t;
  REQUIRE(t.parse(make_table(), 0));
  CHECK(t.version() == PclntabVersion::kGo118);
  CHECK(t.function_count() == 3);
  auto w = t.find("crypto/tls.(*Conn).Write");
  REQUIRE(w);
  CHECK(w->entry == 0x401040);
  CHECK(w->end == 0x401100);
  auto c = t.find("main.c");
  REQUIRE(c);
  CHECK(c->entry == 0x401100);
  CHECK(c->end == 0x401180);
  CHECK_FALSE(t.find("crypto/tls.(*Conn).Read"));
  CHECK_FALSE(t.find("main"));  // prefix of "main.a" is not a match
}

TEST_CASE("pclntab: Go 1.20 magic and PIE text fallback", "[gotls]") {
  Pclntab t;
  REQUIRE(t.parse(make_table(0xfffffff1, 0), 0x1000));
  CHECK(t.version() == PclntabVersion::kGo120);
  auto w = t.find("crypto/tls.(*Conn).Write");
  REQUIRE(w);
  CHECK(w->entry == 0x1040);
}

TEST_CASE("pclntab: malformed tables are refused", "[gotls]") {
  Pclntab t;
  CHECK_FALSE(t.parse({}, 0));
  CHECK_FALSE(t.parse(make_table(0x12345678), 0));
  CHECK(t.error().find("magic") != std::string::npos);

  auto wrong_quantum = make_table();
  wrong_quantum[6] = 4;  // arm64
  CHECK_FALSE(t.parse(wrong_quantum, 0));

  auto huge = make_table();
  put64(huge, 8, uint64_t(1) << 40);
  CHECK_FALSE(t.parse(huge, 0));

  auto outside = make_table();
  put64(outside, 64, outside.size() + 100);
  CHECK_FALSE(t.parse(outside, 0));

  auto truncated = make_table();
  truncated.resize(truncated.size() - 30);  // function table cut short
  CHECK_FALSE(t.parse(truncated, 0));
}

TEST_CASE("pclntab: bad name offsets and unordered entries give no answer", "[gotls]") {
  auto bad_name = make_table();
  const size_t functab_off = 8 + 64 + sizeof("main.a\0crypto/tls.(*Conn).Write\0main.c\0");
  put32(bad_name, functab_off + 32 + 8 + 4, 0x7fffffff);  // Write's nameOff far outside
  Pclntab t;
  REQUIRE(t.parse(bad_name, 0));
  CHECK_FALSE(t.find("crypto/tls.(*Conn).Write"));
  CHECK(t.find("main.c"));

  auto unordered = make_table();
  put32(unordered, functab_off + 2 * 8, 0x10);  // next entry before Write's own entry
  REQUIRE(t.parse(unordered, 0));
  CHECK_FALSE(t.find("crypto/tls.(*Conn).Write"));
}
