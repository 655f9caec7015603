// The naming rules on synthetic evidence: which function is SSL_write / ssl_read_impl / SSL_read, and
// when unreadable error sites make the choice uncertain.
#include <catch2/catch.hpp>

#include "attach/boringssl/ssl_classifier.h"

using namespace agentprof::boringssl;

namespace {

constexpr uint64_t kHandshake = 0x1000, kReadImpl = 0x2000, kRead = 0x3000, kWrite = 0x4000, kNew = 0x5000;

FunctionEvidence fn(std::set<uint32_t> reasons, std::vector<uint64_t> calls = {}, size_t unresolved = 0) {
  FunctionEvidence f;
  f.reasons = std::move(reasons);
  f.direct_calls = std::move(calls);
  f.unresolved_sites = unresolved;
  return f;
}

std::map<uint64_t, FunctionEvidence> good() {
  return {{kHandshake, fn({134})},
          {kReadImpl, fn({226, 215}, {kHandshake})},
          {kRead, fn({66}, {kReadImpl})},
          {kWrite, fn({66, 226, 215, 111})},
          {kNew, fn({185})},
          {0x6000, fn({66})}};  // SSL_peek-like: 66 but no call to ssl_read_impl
}

}  // namespace

TEST_CASE("the rules name each function once", "[boringssl]") {
  Classification c = classify_functions(good());
  REQUIRE(c.ok);
  CHECK(c.ssl_write == kWrite);
  CHECK(c.ssl_read == kRead);
  CHECK(c.ssl_read_impl == kReadImpl);
  CHECK(c.ssl_new == kNew);
}

TEST_CASE("each rule refuses zero or several candidates", "[boringssl]") {
  auto f = good();
  SECTION("SSL_read without a call to ssl_read_impl") {
    f[kRead].direct_calls.clear();
    CHECK(classify_functions(f).reason == "0 SSL_read candidates");
  }
  SECTION("two SSL_read") {
    f[0x7000] = fn({66}, {kReadImpl});
    CHECK(classify_functions(f).reason == "2 SSL_read candidates (0x3000, 0x7000)");
  }
  SECTION("ssl_read_impl must call SSL_do_handshake") {
    f[kReadImpl].direct_calls.clear();
    CHECK(classify_functions(f).reason == "0 ssl_read_impl candidates");
  }
  SECTION("no SSL_do_handshake") {
    f.erase(kHandshake);
    CHECK(classify_functions(f).reason == "no SSL_do_handshake (reason 134) function");
  }
  SECTION("SSL_new is optional") {
    f.erase(kNew);
    Classification c = classify_functions(f);
    CHECK(c.ok);
    CHECK(c.ssl_new == 0);
    CHECK(c.ssl_new_reason == "0 SSL_new (reason 185) candidates");
  }
}

TEST_CASE("unreadable sites that could hide a second candidate refuse the choice", "[boringssl]") {
  auto f = good();
  SECTION("a second possible SSL_write") {
    f[0x8000] = fn({66, 226, 215}, {}, 1);
    CHECK(classify_functions(f).reason == "SSL_write ambiguous: function 0x8000 has unreadable error sites");
  }
  SECTION("SSL_read with an unreadable site") {
    f[kRead].unresolved_sites = 1;
    CHECK_FALSE(classify_functions(f).ok);
  }
  SECTION("a possible ssl_read_impl") {
    f[0x9000] = fn({226}, {kHandshake}, 1);
    CHECK(classify_functions(f).reason == "ssl_read_impl ambiguous: function 0x9000 has unreadable error sites");
  }
  SECTION("an unrelated unreadable site changes nothing") {
    f[0xa000] = fn({213}, {}, 1);
    CHECK(classify_functions(f).ok);
  }
}
