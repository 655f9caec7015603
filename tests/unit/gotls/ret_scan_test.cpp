// scan_rets: RETs are found only at instruction boundaries (a 0xC3 inside an immediate is not one),
// and undecodable bytes refuse the whole function.
#include <catch2/catch.hpp>

#include "attach/go/ret_scan.h"

using agentprof::gotls::scan_rets;

TEST_CASE("scan_rets: true instruction boundaries", "[gotls]") {
  const std::vector<uint8_t> code = {
      0x48, 0xc7, 0xc0, 0xc3, 0x00, 0x00, 0x00,  // mov rax, 0xc3  (0xc3 inside the immediate)
      0xc3,                                      // ret            @7
      0x48, 0x89, 0xd8,                          // mov rax, rbx
      0xc3,                                      // ret            @11
      0xcc, 0xcc};                               // int3 padding
  auto scan = scan_rets(code, 0x1000);
  REQUIRE(scan.ok);
  CHECK(scan.ret_vaddrs == std::vector<uint64_t>{0x1007, 0x100b});
}

TEST_CASE("scan_rets: refusals", "[gotls]") {
  CHECK_FALSE(scan_rets({0x48, 0x89, 0xd8, 0xcc}, 0).ok);  // no RET at all
  auto bad = scan_rets({0xc3, 0x06, 0xc3}, 0);              // 0x06 is invalid in 64-bit mode
  CHECK_FALSE(bad.ok);
  CHECK(bad.error.find("undecodable") != std::string::npos);
  CHECK_FALSE(scan_rets({0x48, 0xc7}, 0).ok);  // cut inside an instruction
}
