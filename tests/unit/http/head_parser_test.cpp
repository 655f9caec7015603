#include <catch2/catch.hpp>

#include "http/head_parser.h"
#include "http/http_framing.h"

using namespace agentprof;

TEST_CASE("request head", "[http][head]") {
  HttpRequestHead h;
  size_t bad = 0;
  REQUIRE(parse_request_head("POST /v1/chat HTTP/1.1\r\nHost: api.x.com\r\nX-Multi:  a  \r\n"
                             "  folded\r\nno colon line\r\nContent-Length: 5\r\n\r\n",
                             h, bad));
  CHECK(h.method == "POST");
  CHECK(h.target == "/v1/chat");
  CHECK(h.version == "HTTP/1.1");
  REQUIRE(h.headers.items.size() == 3);
  CHECK(h.headers.items[0].name == "host");
  CHECK(h.headers.items[0].value == "api.x.com");
  CHECK(*h.headers.find("x-multi") == "a folded");
  CHECK(*h.headers.find("content-length") == "5");
  CHECK(bad == 1);
}

TEST_CASE("bare LF line endings are accepted", "[http][head]") {
  HttpRequestHead h;
  size_t bad = 0;
  REQUIRE(parse_request_head("GET / HTTP/1.0\nA: b\n\n", h, bad));
  CHECK(h.version == "HTTP/1.0");
  CHECK(*h.headers.find("a") == "b");
}

TEST_CASE("bad start lines are refused", "[http][head]") {
  HttpRequestHead rq;
  HttpResponseHead rs;
  size_t bad = 0;
  CHECK_FALSE(parse_request_head("POST /x HTTP/2.0\r\n\r\n", rq, bad));
  CHECK_FALSE(parse_request_head("POST\r\n\r\n", rq, bad));
  CHECK_FALSE(parse_response_head("HTTP/1.1 2x0 OK\r\n\r\n", rs, bad));
  CHECK_FALSE(parse_response_head("HTTP/1.1 20\r\n\r\n", rs, bad));
  CHECK_FALSE(parse_response_head("HTTP/1.1 099 Low\r\n\r\n", rs, bad));
}

TEST_CASE("response head", "[http][head]") {
  HttpResponseHead h;
  size_t bad = 0;
  REQUIRE(parse_response_head("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\n\r\n", h, bad));
  CHECK(h.status == 429);
  CHECK(h.reason == "Too Many Requests");
  CHECK(*h.headers.find("retry-after") == "3");
  REQUIRE(parse_response_head("HTTP/1.1 200\r\n\r\n", h, bad));
  CHECK(h.status == 200);
  CHECK(h.reason.empty());
}

TEST_CASE("framing rules", "[http][framing]") {
  auto headers = [](std::initializer_list<std::pair<const char*, const char*>> l) {
    HttpHeaders h;
    for (auto& [n, v] : l) h.items.push_back({n, v});
    return h;
  };
  HttpFraming f;
  REQUIRE(request_framing(headers({{"content-length", "12"}}), f));
  CHECK(f.kind == HttpFramingKind::kLength);
  CHECK(f.length == 12);
  REQUIRE(request_framing(headers({{"content-length", "7, 7"}}), f));
  CHECK(f.length == 7);
  CHECK_FALSE(request_framing(headers({{"content-length", "7, 8"}}), f));
  CHECK_FALSE(request_framing(headers({{"content-length", "-1"}}), f));
  CHECK_FALSE(request_framing(headers({{"content-length", "99999999999999999999"}}), f));
  REQUIRE(request_framing(headers({}), f));
  CHECK(f.kind == HttpFramingKind::kNone);
  CHECK_FALSE(request_framing(headers({{"transfer-encoding", "gzip"}}), f));
  // Transfer-encoding wins over content-length; codings are collected in order of application.
  REQUIRE(request_framing(headers({{"content-encoding", "gzip, identity"}, {"transfer-encoding", "br, Chunked"},
                                   {"content-length", "5"}}),
                          f));
  CHECK(f.kind == HttpFramingKind::kChunked);
  CHECK(f.codings == std::vector<std::string>{"gzip", "br"});

  REQUIRE(response_framing(200, false, headers({}), f));
  CHECK(f.kind == HttpFramingKind::kUntilClose);
  REQUIRE(response_framing(204, false, headers({{"content-length", "4"}}), f));
  CHECK(f.kind == HttpFramingKind::kNone);
  REQUIRE(response_framing(200, true, headers({{"transfer-encoding", "chunked"}}), f));
  CHECK(f.kind == HttpFramingKind::kNone);
  REQUIRE(response_framing(200, false, headers({{"content-length", "0"}}), f));
  CHECK(f.kind == HttpFramingKind::kNone);
}
