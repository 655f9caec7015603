#include <catch2/catch.hpp>

#include <string>

#include "cli/raw_redactor.h"

using agentprof::RawRedactor;

namespace {
std::string redact(const std::string& in, size_t split_every = 0) {
  RawRedactor r;
  std::string out = in;
  auto* p = reinterpret_cast<uint8_t*>(out.data());
  if (split_every == 0) {
    r.apply({p, out.size()});
  } else {
    for (size_t i = 0; i < out.size(); i += split_every)
      r.apply({p + i, std::min(split_every, out.size() - i)});
  }
  return out;
}
}  // namespace

TEST_CASE("credential header values are masked, length kept") {
  std::string req =
      "POST /v1/messages HTTP/1.1\r\nHost: api\r\nAuthorization: Bearer sk-SECRET\r\n"
      "X-Api-Key: sk-ant-SECRET\r\nx-goog-api-key: AIzaSECRET\r\nContent-Type: application/json\r\n\r\n{}";
  for (size_t split : {0, 1, 2, 3, 7, 64}) {
    std::string out = redact(req, split);
    REQUIRE(out.size() == req.size());
    CHECK(out.find("SECRET") == std::string::npos);
    CHECK(out.find("Host: api\r\n") != std::string::npos);
    CHECK(out.find("Content-Type: application/json\r\n") != std::string::npos);
    CHECK(out.find("Authorization:**************") != std::string::npos);
  }
}

TEST_CASE("credential query parameters are masked") {
  std::string req = "GET /v1beta/models/g:streamGenerateContent?alt=sse&key=AIzaSECRET HTTP/1.1\r\n\r\n";
  std::string out = redact(req, 5);
  CHECK(out.find("SECRET") == std::string::npos);
  CHECK(out.find("?alt=sse&key=********** HTTP/1.1") != std::string::npos);
}

TEST_CASE("other headers and bodies are untouched") {
  std::string req = "GET / HTTP/1.1\r\nAuthorization-Hint: visible\r\nmonkey=1&x=2\r\n";
  CHECK(redact(req) == req);
}

TEST_CASE("raw output masks every credential the HTTP stage drops") {
  std::string req =
      "POST /model/m/invoke?apikey=SECRET1&x=1;api_key=SECRET2 HTTP/1.1\r\n"
      "X-Amz-Security-Token: SECRET3\r\nProxy-Authorization: Basic SECRET4\r\nCookie: s=SECRET5\r\n\r\n";
  for (size_t split : {0, 1, 4, 9}) {
    std::string out = redact(req, split);
    REQUIRE(out.size() == req.size());
    CHECK(out.find("SECRET") == std::string::npos);
    CHECK(out.find("&x=1;") != std::string::npos);
  }
  std::string resp = "HTTP/1.1 200 OK\r\nSet-Cookie: session=SECRET6\r\n\r\n";
  CHECK(redact(resp).find("SECRET") == std::string::npos);
}

TEST_CASE("parameter names that merely end like secret ones are kept") {
  std::string req = "GET /x?monkey=banana&tokens=5 HTTP/1.1\r\n\r\n";
  CHECK(redact(req) == req);
}

namespace {

std::string frame(uint8_t type, uint8_t flags, uint32_t stream, const std::string& payload) {
  std::string f = {char(payload.size() >> 16), char(payload.size() >> 8), char(payload.size()), char(type),
                   char(flags), char(stream >> 24), char(stream >> 16), char(stream >> 8), char(stream)};
  return f + payload;
}

// An HPACK "literal never indexed, new name" field without Huffman coding: the value is in clear.
std::string literal(const std::string& name, const std::string& value) {
  return std::string(1, char(0x10)) + char(name.size()) + name + char(value.size()) + value;
}

}  // namespace

TEST_CASE("HTTP/2: header blocks are masked whole, DATA stays readable") {
  const std::string block = literal("authorization", "Bearer sk-SECRET-h2");
  const std::string client = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0, "") +
                             frame(1, 0, 1, block.substr(0, 10)) + frame(9, 4, 1, block.substr(10)) +
                             frame(0, 1, 1, R"({"model":"gpt-4o"})");
  const std::string server = frame(4, 0, 0, std::string("\0\x03\0\0\0\x64", 6)) +
                             frame(1, 4, 1, literal("set-cookie", "session=SECRET")) + frame(0, 1, 1, "{}");
  for (size_t split : {0, 1, 5, 9, 10}) {
    INFO("split " << split);
    for (const std::string* in : {&client, &server}) {
      std::string out = redact(*in, split);
      REQUIRE(out.size() == in->size());
      CHECK(out.find("SECRET") == std::string::npos);
      CHECK(out.find("authorization") == std::string::npos);  // names too: the whole block
    }
    CHECK(redact(client, split).find(R"({"model":"gpt-4o"})") != std::string::npos);
    CHECK(redact(client, split).rfind("PRI * HTTP/2.0", 0) == 0);
  }
  // HTTP/1 is not mistaken for HTTP/2, even when it starts like the preface.
  std::string http1 = "PRI /x HTTP/1.1\r\nAuthorization: Bearer sk-SECRET\r\n\r\n";
  CHECK(redact(http1).find("SECRET") == std::string::npos);
  CHECK(redact("GET /?key=AIzaSECRET HTTP/1.1\r\n\r\n", 1).find("SECRET") == std::string::npos);
}
