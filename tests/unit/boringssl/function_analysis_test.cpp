// Function boundaries and error-site reading on hand-assembled code: the reason code is taken only
// from the one straight path between the file-pointer load and the error call.
#include <catch2/catch.hpp>

#include "attach/boringssl/error_site.h"
#include "attach/boringssl/function_map.h"
#include "fixture_builder.h"

using namespace agentprof::boringssl;
using bssl_fixture::Code;

namespace {

constexpr uint64_t kBase = 0x10000;
constexpr uint32_t kFile = 0x401234;

struct Analysed {
  CodeWindow window;
  std::vector<uint64_t> call_targets;
  X86Decoder decoder;
  std::unique_ptr<FunctionMap> map;
  uint64_t site = 0;
};

// Emits one function "f" after a stub "err"; `body` places the site (label "site").
template <typename Body>
std::unique_ptr<Analysed> analyse(Body body) {
  Code c(kBase);
  c.raw({0xcc});
  c.pad_to_function();
  c.label("err");
  c.prologue();
  c.epilogue();
  c.pad_to_function();
  c.label("f");
  c.prologue();
  body(c);
  c.epilogue();
  c.pad_to_function();
  auto a = std::make_unique<Analysed>();
  a->window.vaddr = kBase;
  a->window.bytes = c.finish();
  a->site = c.address("site");
  a->map = std::make_unique<FunctionMap>(a->window, a->call_targets, a->decoder);
  return a;
}

ErrorSite read_site(Analysed& a) {
  std::string why;
  const DecodedFunction* f = a.map->containing(a.site, &why);
  INFO(why);
  REQUIRE(f != nullptr);
  return read_error_site(*f, f->index_of(a.site));
}

}  // namespace

TEST_CASE("reason, line and library are read around the file pointer", "[boringssl]") {
  auto a = analyse([](Code& c) {
    c.mov_imm32(bssl_fixture::RDI, 16);
    c.mov_imm32(bssl_fixture::RDX, 226);
    c.label("site");
    c.mov_imm32(bssl_fixture::RCX, kFile);
    c.mov_imm32(bssl_fixture::R8, 77);
    c.call("err");
  });
  ErrorSite e = read_site(*a);
  REQUIRE(e.resolved);
  CHECK(e.file_arg == 4);
  CHECK(e.reason == 226);
  CHECK(e.line == 77);
  CHECK(e.lib == 16);
  CHECK(e.call_target == kBase + 16);
}

TEST_CASE("arguments loaded before a jump to a shared error call", "[boringssl]") {
  auto a = analyse([](Code& c) {
    c.label("site");
    c.mov_imm32(bssl_fixture::RDX, kFile);
    c.mov_imm32(bssl_fixture::RDI, 16);
    c.mov_imm32(bssl_fixture::RSI, 111);
    c.mov_imm32(bssl_fixture::RCX, 9);
    c.jmp("shared");
    c.mov_imm32(bssl_fixture::RSI, 215);  // another site's reason, not on our path
    c.label("shared");
    c.call("err");
  });
  ErrorSite e = read_site(*a);
  REQUIRE(e.resolved);
  CHECK(e.file_arg == 3);
  CHECK(e.reason == 111);
  CHECK(e.line == 9);
}

TEST_CASE("a conditional branch before the call leaves the site unresolved", "[boringssl]") {
  auto a = analyse([](Code& c) {
    c.mov_imm32(bssl_fixture::RDX, 66);
    c.label("site");
    c.mov_imm32(bssl_fixture::RCX, kFile);
    c.je("later");
    c.mov_imm32(bssl_fixture::RDX, 67);
    c.label("later");
    c.call("err");
  });
  ErrorSite e = read_site(*a);
  CHECK_FALSE(e.resolved);
  CHECK(e.why == "branch between the file pointer and the call");
}

TEST_CASE("a reason held in a register is not a constant", "[boringssl]") {
  auto a = analyse([](Code& c) {
    c.mov_reg64(bssl_fixture::RDX, bssl_fixture::RBX);
    c.label("site");
    c.mov_imm32(bssl_fixture::RCX, kFile);
    c.call("err");
  });
  ErrorSite e = read_site(*a);
  CHECK_FALSE(e.resolved);
  CHECK(e.why == "reason code is not a constant");
}

TEST_CASE("values before a join point are not trusted", "[boringssl]") {
  auto a = analyse([](Code& c) {
    c.je("site");                          // another path reaches the site with any rdx
    c.mov_imm32(bssl_fixture::RDX, 66);    // only true on the fall-through path
    c.label("site");
    c.mov_imm32(bssl_fixture::RCX, kFile);
    c.call("err");
  });
  ErrorSite e = read_site(*a);
  CHECK_FALSE(e.resolved);
  CHECK(e.why == "reason code is not a constant");
}

TEST_CASE("the file pointer in another register is not an error site", "[boringssl]") {
  auto a = analyse([](Code& c) {
    c.label("site");
    c.mov_imm32(bssl_fixture::RSI, kFile);
    c.call("err");
  });
  ErrorSite e = read_site(*a);
  CHECK_FALSE(e.resolved);
}

TEST_CASE("function boundaries come from int3 padding and the frame prologue", "[boringssl]") {
  auto a = analyse([](Code& c) {
    c.label("site");
    c.mov_imm32(bssl_fixture::RCX, kFile);
  });
  std::string why;
  const DecodedFunction* f = a->map->containing(a->site, &why);
  REQUIRE(f != nullptr);
  CHECK(f->start == kBase + 32);
  CHECK(f->frame_prologue);
  CHECK(f->index_of(a->site) == 2);  // push rbp; mov rbp,rsp; then the site
  // One byte into the `mov ecx, imm32` is not an instruction boundary.
  CHECK(a->map->containing(a->site + 1, &why) == nullptr);
  CHECK(why == "site is not an instruction boundary");
}
