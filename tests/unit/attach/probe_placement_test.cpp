#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "attach/elf_symbols.h"
#include "attach/probe_placement.h"

using agentprof::place_tls_probes;
using agentprof::TlsCallShape;
using agentprof::TlsProbePlacement;

namespace {

// A code segment at file offset 0x1000 assembled from byte pieces placed at chosen offsets.
struct Segment {
  static constexpr uint64_t kBase = 0x1000;
  std::vector<uint8_t> bytes = std::vector<uint8_t>(0x400, 0xcc);  // int3 filler

  void put(uint64_t offset, std::vector<uint8_t> code) {
    for (size_t i = 0; i < code.size(); ++i) bytes.at(offset - kBase + i) = code[i];
  }
  agentprof::CodeReader reader() const {
    return [this](uint64_t offset, size_t len, std::vector<uint8_t>& out) {
      if (offset < kBase || offset + len > kBase + bytes.size()) return false;
      out.assign(bytes.begin() + (offset - kBase), bytes.begin() + (offset - kBase + len));
      return true;
    };
  }
  TlsProbePlacement place(uint64_t fn, uint64_t size, TlsCallShape shape) const {
    return place_tls_probes(reader(), kBase, kBase + bytes.size(), fn, size, shape);
  }
};

// `call rel32` from `at` to `target`.
std::vector<uint8_t> call_to(uint64_t at, uint64_t target) {
  int32_t rel = static_cast<int32_t>(target - (at + 5));
  return {0xe8, uint8_t(rel), uint8_t(rel >> 8), uint8_t(rel >> 16), uint8_t(rel >> 24)};
}

constexpr uint64_t kImpl = 0x1200;
// push r14; push r13; sub rsp, 0x30; ret — an implementation with an emulated first instruction.
const std::vector<uint8_t> kImplCode = {0x41, 0x56, 0x41, 0x55, 0x48, 0x83, 0xec, 0x30, 0xc3};
// The epilogue shared by the wrappers below: test eax,eax; add rsp,0x18; ret.
const std::vector<uint8_t> kTail = {0x85, 0xc0, 0x48, 0x83, 0xc4, 0x18, 0xc3};

// SSL_write of an OpenSSL 3.0 build without frame pointers: sub rsp,0x18; test edx,edx; js +N;
// mov rcx,rsp; movsxd rdx,edx; call impl; <tail>.
Segment plain_wrapper(uint64_t fn) {
  Segment s;
  s.put(kImpl, kImplCode);
  s.put(fn, {0x48, 0x83, 0xec, 0x18, 0x85, 0xd2, 0x78, 0x0e, 0x48, 0x89, 0xe1, 0x48, 0x63, 0xd2});
  s.put(fn + 14, call_to(fn + 14, kImpl));
  s.put(fn + 19, kTail);
  return s;
}

}  // namespace

TEST_CASE("a plain wrapper is probed at its call, the pointer in rcx") {
  const uint64_t fn = 0x1000;
  Segment s = plain_wrapper(fn);
  TlsProbePlacement p = s.place(fn, 26, TlsCallShape::kPlain);
  INFO(p.why_classic);
  REQUIRE(p.at_call_site);
  CHECK(p.call_site == fn + 14);
  CHECK(p.implementation == kImpl);
  CHECK_FALSE(p.done_pointer_in_r8);
}

TEST_CASE("an _ex wrapper passing its own pointer is probed at its call") {
  const uint64_t fn = 0x1040;
  Segment s;
  s.put(kImpl, kImplCode);
  s.put(fn, {0x48, 0x83, 0xec, 0x08});  // sub rsp, 8
  s.put(fn + 4, call_to(fn + 4, kImpl));
  s.put(fn + 9, {0x48, 0x83, 0xc4, 0x08, 0xc3});  // add rsp, 8; ret
  TlsProbePlacement p = s.place(fn, 14, TlsCallShape::kEx);
  INFO(p.why_classic);
  REQUIRE(p.at_call_site);
  CHECK(p.call_site == fn + 4);
  CHECK_FALSE(p.done_pointer_in_r8);

  SECTION("but not as a plain wrapper: no stack slot is passed") {
    CHECK_FALSE(s.place(fn, 14, TlsCallShape::kPlain).at_call_site);
  }
}

TEST_CASE("a stack pointer passed in r8 (a flags argument in rcx) is found") {
  const uint64_t fn = 0x1080;
  Segment s;
  s.put(kImpl, kImplCode);
  // sub rsp,0x18; lea r8,[rsp+8]; xor ecx,ecx; call impl; <tail>
  s.put(fn, {0x48, 0x83, 0xec, 0x18, 0x4c, 0x8d, 0x44, 0x24, 0x08, 0x31, 0xc9});
  s.put(fn + 11, call_to(fn + 11, kImpl));
  s.put(fn + 16, kTail);
  TlsProbePlacement p = s.place(fn, 23, TlsCallShape::kPlain);
  INFO(p.why_classic);
  REQUIRE(p.at_call_site);
  CHECK(p.done_pointer_in_r8);
}

TEST_CASE("classic placement when the rules do not hold") {
  SECTION("first instruction already emulated (push)") {
    Segment s;
    s.put(kImpl, kImplCode);
    s.put(0x1000, {0x55});  // push rbp
    s.put(0x1001, call_to(0x1001, kImpl));
    s.put(0x1006, {0x5d, 0xc3});
    TlsProbePlacement p = s.place(0x1000, 8, TlsCallShape::kEx);
    CHECK_FALSE(p.at_call_site);
    CHECK(p.why_classic.find("already emulated") != std::string::npos);
  }
  SECTION("an argument register is overwritten before the call") {
    Segment s = plain_wrapper(0x1000);
    s.put(0x1008, {0x48, 0x89, 0xd6});  // mov rsi, rdx  (replaces mov rcx, rsp)
    TlsProbePlacement p = s.place(0x1000, 26, TlsCallShape::kPlain);
    CHECK_FALSE(p.at_call_site);
  }
  SECTION("the implementation starts with an instruction that is single-stepped too") {
    Segment s = plain_wrapper(0x1000);
    s.put(kImpl, {0x48, 0x83, 0xec, 0x08, 0xc3});  // sub rsp, 8; ret
    TlsProbePlacement p = s.place(0x1000, 26, TlsCallShape::kPlain);
    CHECK_FALSE(p.at_call_site);
    CHECK(p.why_classic.find("not emulated") != std::string::npos);
  }
  SECTION("the implementation is called twice") {
    Segment s = plain_wrapper(0x1000);
    s.put(0x1000 + 19, call_to(0x1000 + 19, kImpl));
    s.put(0x1000 + 24, {0xc3});
    TlsProbePlacement p = s.place(0x1000, 25, TlsCallShape::kPlain);
    CHECK_FALSE(p.at_call_site);
  }
  SECTION("an indirect call comes first") {
    Segment s;
    s.put(0x1000, {0x48, 0x83, 0xec, 0x18, 0xff, 0xd0, 0xc3});  // sub rsp,0x18; call rax; ret
    CHECK_FALSE(s.place(0x1000, 7, TlsCallShape::kEx).at_call_site);
  }
  SECTION("a branch backwards in the start") {
    Segment s = plain_wrapper(0x1000);
    s.put(0x1006, {0x78, 0xf8});  // js -8 (to before the function)
    CHECK_FALSE(s.place(0x1000, 26, TlsCallShape::kPlain).at_call_site);
  }
  SECTION("the call target lies outside the code segment") {
    Segment s = plain_wrapper(0x1000);
    s.put(0x1000 + 14, call_to(0x1000 + 14, 0x9000));
    CHECK_FALSE(s.place(0x1000, 26, TlsCallShape::kPlain).at_call_site);
  }
  SECTION("unknown or absurd sizes, functions outside the segment, undecodable bytes") {
    Segment s = plain_wrapper(0x1000);
    CHECK_FALSE(s.place(0x1000, 0, TlsCallShape::kPlain).at_call_site);
    CHECK_FALSE(s.place(0x1000, 1 << 20, TlsCallShape::kPlain).at_call_site);
    CHECK_FALSE(s.place(0x20, 26, TlsCallShape::kPlain).at_call_site);
    Segment junk;
    junk.put(0x1000, {0x48, 0x83, 0xec, 0x18, 0x0f, 0x0b, 0xff, 0xff, 0x0f});  // sub; ud2; junk
    CHECK_FALSE(junk.place(0x1000, 9, TlsCallShape::kPlain).at_call_site);
  }
}

TEST_CASE("fuzzed byte soups never crash and never claim a call site without a call") {
  uint32_t seed = 12345;
  auto next = [&seed] { return seed = seed * 1664525u + 1013904223u; };
  for (int round = 0; round < 2000; ++round) {
    Segment s;
    for (auto& b : s.bytes) b = uint8_t(next() >> 24);
    uint64_t size = 1 + next() % 200;
    TlsProbePlacement p = s.place(0x1000, size, (round & 1) ? TlsCallShape::kEx : TlsCallShape::kPlain);
    if (p.at_call_site) {
      CHECK(p.call_site >= 0x1000);
      CHECK(p.call_site < 0x1000 + size);
      CHECK(s.bytes[p.call_site - Segment::kBase] == 0xe8);
    }
  }
}

TEST_CASE("Debian's libssl.so.3: SSL_write and SSL_write_ex share one probed implementation") {
  const char* lib = "/usr/lib/x86_64-linux-gnu/libssl.so.3";
  std::set<std::string> names = {"SSL_write", "SSL_write_ex", "SSL_read", "SSL_read_ex"};
  agentprof::ElfSymbolLookup syms = agentprof::find_elf_functions(lib, names);
  REQUIRE(syms.ok);
  std::map<std::string, TlsProbePlacement> placed;
  for (const auto& name : names) {
    REQUIRE(syms.offsets.count(name));
    TlsCallShape shape = name.ends_with("_ex") ? TlsCallShape::kEx : TlsCallShape::kPlain;
    placed[name] = agentprof::place_tls_probes_in_file(lib, syms.offsets[name], syms.sizes[name], shape);
    INFO(name << ": " << placed[name].why_classic);
    // Debian builds without frame pointers: each wrapper starts with `sub rsp, N` and calls the
    // implementation, which starts by pushing callee-saved registers.
    REQUIRE(placed[name].at_call_site);
    CHECK(placed[name].call_site > syms.offsets[name]);
    CHECK(placed[name].call_site < syms.offsets[name] + syms.sizes[name]);
  }
  CHECK(placed["SSL_write"].implementation == placed["SSL_write_ex"].implementation);
  CHECK(placed["SSL_read"].implementation == placed["SSL_read_ex"].implementation);
  CHECK(placed["SSL_write"].implementation != placed["SSL_read"].implementation);
}
