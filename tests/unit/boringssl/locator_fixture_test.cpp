// The locator on generated binaries: exact addresses when the rules match, a precise refusal otherwise.
#include <elf.h>

#include <catch2/catch.hpp>

#include "attach/boringssl/boringssl_locator.h"
#include "fixture_builder.h"

using namespace agentprof::boringssl;
using bssl_fixture::Fixture;
using bssl_fixture::Spec;

namespace {

BoringSslLocation locate(const Spec& spec, const std::string& name, Fixture* out = nullptr) {
  Fixture fx = bssl_fixture::build(spec);
  if (out) *out = fx;
  return locate_boringssl(bssl_fixture::write_temp(fx.image, name));
}

void require_exact(const BoringSslLocation& loc, const Fixture& fx) {
  INFO(loc.reason);
  REQUIRE(loc.found);
  CHECK(loc.ssl_write_vaddr == fx.ssl_write);
  CHECK(loc.ssl_read_vaddr == fx.ssl_read);
  CHECK(loc.ssl_write == Fixture::offset_of(fx.ssl_write));
  CHECK(loc.ssl_read == Fixture::offset_of(fx.ssl_read));
  REQUIRE(loc.destructor_found);
  CHECK(loc.ssl_free_destructor_vaddr == fx.destructor);
  CHECK(loc.ssl_free_destructor == Fixture::offset_of(fx.destructor));
  CHECK(loc.definitive);
}

}  // namespace

TEST_CASE("locates the functions with ERR_put_error(lib, 0, reason, file, line)", "[boringssl]") {
  Fixture fx;
  Spec spec;
  BoringSslLocation loc = locate(spec, "order_func_zero", &fx);
  require_exact(loc, fx);
  CHECK(loc.build_id == "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3");
  CHECK(loc.analysis_seconds > 0);
}

TEST_CASE("locates the functions with ERR_put_error(lib, reason, file, line)", "[boringssl]") {
  Fixture fx;
  Spec spec;
  spec.func_zero_order = false;
  require_exact(locate(spec, "order_no_func", &fx), fx);
}

TEST_CASE("file pointer loaded as a sign-extended 64-bit immediate", "[boringssl]") {
  for (bool order : {true, false}) {
    Fixture fx;
    Spec spec;
    spec.file_reg_64bit = true;
    spec.func_zero_order = order;
    require_exact(locate(spec, order ? "rex_w_a" : "rex_w_b", &fx), fx);
  }
}

TEST_CASE("separate error calls instead of one shared call", "[boringssl]") {
  Fixture fx;
  Spec spec;
  spec.shared_error_call = false;
  require_exact(locate(spec, "unshared", &fx), fx);
}

TEST_CASE("without a build id the key falls back to the file identity", "[boringssl]") {
  Fixture fx;
  Spec spec;
  spec.build_id = false;
  BoringSslLocation loc = locate(spec, "no_build_id", &fx);
  require_exact(loc, fx);
  CHECK(loc.build_id.rfind("file-", 0) == 0);
}

TEST_CASE("two SSL_write candidates are refused", "[boringssl]") {
  Spec spec;
  spec.duplicate_ssl_write = true;
  BoringSslLocation loc = locate(spec, "two_writes");
  CHECK_FALSE(loc.found);
  CHECK(loc.reason.rfind("2 SSL_write candidates", 0) == 0);
  CHECK(loc.ssl_write == 0);
  CHECK(loc.ssl_read == 0);
  CHECK(loc.definitive);
}

TEST_CASE("a reason code that is not a constant makes SSL_write ambiguous", "[boringssl]") {
  Spec spec;
  spec.missing_reason = true;
  BoringSslLocation loc = locate(spec, "missing_reason");
  CHECK_FALSE(loc.found);
  CHECK(loc.reason.rfind("SSL_write ambiguous: function 0x", 0) == 0);
  CHECK(loc.reason.find("has unreadable error sites") != std::string::npos);
}

TEST_CASE("a candidate without the frame prologue is refused", "[boringssl]") {
  Fixture fx;
  Spec spec;
  spec.write_without_prologue = true;
  BoringSslLocation loc = locate(spec, "no_prologue", &fx);
  CHECK_FALSE(loc.found);
  CHECK(loc.reason.find("lacks the push rbp; mov rbp,rsp prologue") != std::string::npos);
  CHECK(loc.ssl_write == 0);
}

TEST_CASE("missing destructor keeps SSL_write and SSL_read", "[boringssl]") {
  Fixture fx;
  Spec spec;
  spec.destructor_call = false;
  BoringSslLocation loc = locate(spec, "no_destructor", &fx);
  REQUIRE(loc.found);
  CHECK(loc.ssl_write_vaddr == fx.ssl_write);
  CHECK(loc.ssl_read_vaddr == fx.ssl_read);
  CHECK_FALSE(loc.destructor_found);
  CHECK(loc.ssl_free_destructor == 0);
  // SSL_new's first call taking the object is now OPENSSL_free: refused by the ex_data check.
  CHECK(loc.destructor_reason.find("does not begin by freeing ex_data") != std::string::npos);
}

TEST_CASE("PIE, arm64, no string, truncated and missing files are refused with a reason", "[boringssl]") {
  SECTION("PIE") {
    Spec spec;
    spec.pie = true;
    BoringSslLocation loc = locate(spec, "pie");
    CHECK_FALSE(loc.found);
    CHECK(loc.reason == "PIE executable: absolute-immediate rule does not apply");
    CHECK(loc.definitive);
  }
  SECTION("arm64") {
    Spec spec;
    spec.machine = EM_AARCH64;
    BoringSslLocation loc = locate(spec, "arm64");
    CHECK_FALSE(loc.found);
    CHECK(loc.reason == "not x86-64 (e_machine 183)");
  }
  SECTION("no ssl_lib.cc string") {
    Spec spec;
    spec.include_string = false;
    Fixture fx = bssl_fixture::build(spec);
    std::string path = bssl_fixture::write_temp(fx.image, "no_string");
    BoringSslLocation loc = locate_boringssl(path);
    CHECK_FALSE(loc.found);
    CHECK(loc.reason == "no ssl_lib.cc string");
    CHECK_FALSE(may_embed_boringssl(path));
  }
  SECTION("truncated") {
    Fixture fx = bssl_fixture::build(Spec{});
    for (size_t keep : {fx.image.size() / 2, fx.image.size() - 1, size_t{40}, size_t{0}}) {
      std::vector<uint8_t> cut(fx.image.begin(), fx.image.begin() + static_cast<long>(keep));
      BoringSslLocation loc = locate_boringssl(bssl_fixture::write_temp(cut, "truncated"));
      INFO(keep << " bytes: " << loc.reason);
      CHECK_FALSE(loc.found);
      CHECK_FALSE(loc.reason.empty());
      CHECK_FALSE(loc.definitive);
    }
  }
  SECTION("missing file") {
    BoringSslLocation loc = locate_boringssl("/nonexistent/agentprof/bun");
    CHECK_FALSE(loc.found);
    CHECK(loc.reason.rfind("cannot open", 0) == 0);
  }
}

TEST_CASE("pre-check accepts the fixture and rejects ordinary executables", "[boringssl]") {
  Fixture fx = bssl_fixture::build(Spec{});
  CHECK(may_embed_boringssl(bssl_fixture::write_temp(fx.image, "precheck")));
  CHECK_FALSE(may_embed_boringssl("/usr/bin/env"));  // an ordinary executable
  Spec arm;
  arm.machine = EM_AARCH64;
  CHECK_FALSE(may_embed_boringssl(bssl_fixture::write_temp(bssl_fixture::build(arm).image, "precheck_arm")));
}

TEST_CASE("diagnostics list the reason codes per function", "[boringssl]") {
  Fixture fx = bssl_fixture::build(Spec{});
  LocatorDiagnostics diag;
  BoringSslLocation loc = locate_boringssl(bssl_fixture::write_temp(fx.image, "diag"), &diag);
  REQUIRE(loc.found);
  CHECK(diag.string_count == 1);
  CHECK(diag.reference_sites == 10);
  CHECK(diag.resolved_sites == 10);
  REQUIRE(diag.functions.count(fx.ssl_write));
  CHECK(diag.functions.at(fx.ssl_write).reasons == std::set<uint32_t>{66, 111, 215, 226});
  CHECK(diag.functions.at(fx.ssl_read).reasons == std::set<uint32_t>{66});
}
