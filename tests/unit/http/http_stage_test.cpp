#include <catch2/catch.hpp>
#include <zlib.h>

#include "stage_harness.h"
#include "test_compression.h"

using namespace agentprof;
using namespace agentprof::test;

namespace {

std::string chunked(std::string_view body, size_t piece) {
  std::string out;
  char size[32];
  for (size_t i = 0; i < body.size(); i += piece) {
    std::string_view p = body.substr(i, piece);
    snprintf(size, sizeof size, "%zx\r\n", p.size());
    out += size;
    out += p;
    out += "\r\n";
  }
  out += "0\r\n\r\n";
  return out;
}

std::string post(std::string_view path, std::string_view body) {
  return std::string("POST ") + std::string(path) + " HTTP/1.1\r\nHost: api.openai.com\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

std::string ok(std::string_view body, std::string_view extra_headers = "") {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + std::string(extra_headers) +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

}  // namespace

TEST_CASE("one request and response with content-length", "[http][stage]") {
  StageHarness h;
  h.send(post("/v1/chat/completions", R"({"model":"gpt-4o"})"), 10);
  h.recv(ok(R"({"id":"x"})"), 20);
  REQUIRE(h.sink.violations.empty());
  REQUIRE(h.sink.exchanges.size() == 1);
  const auto& ex = h.sink.exchanges[0];
  CHECK(ex.request.method == "POST");
  CHECK(ex.request.target == "/v1/chat/completions");
  CHECK(ex.request.version == "HTTP/1.1");
  REQUIRE(ex.request.headers.find("host"));
  CHECK(*ex.request.headers.find("host") == "api.openai.com");
  CHECK(ex.request_body == R"({"model":"gpt-4o"})");
  CHECK(ex.request_end == BodyEnd::kComplete);
  CHECK(ex.request_ts == 10);
  CHECK(ex.request_end_ts == 10);
  REQUIRE(ex.response);
  CHECK(ex.response->status == 200);
  CHECK(ex.response->reason == "OK");
  CHECK(ex.response_body == R"({"id":"x"})");
  CHECK(ex.response_end == BodyEnd::kComplete);
  CHECK(ex.response_ts == 20);
  CHECK(ex.done);
  CHECK(ex.done_ts == 20);
  CHECK(h.stage.stats().requests == 1);
  CHECK(h.stage.stats().responses == 1);
  CHECK(h.stage.stats().exchanges_done == 1);
}

TEST_CASE("timestamps: head at first byte, end at last byte", "[http][stage]") {
  StageHarness h;
  std::string req = post("/v1/messages", "0123456789");
  h.send(req.substr(0, 5), 100);
  h.send(req.substr(5, req.size() - 8), 110);
  h.send(req.substr(req.size() - 3), 120);
  std::string resp = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  h.recv(resp, 200);
  h.recv("3\r\nabc\r\n", 210);
  h.recv("2\r\nde\r\n", 220);
  h.recv("0\r\n\r\n", 230);
  REQUIRE(h.sink.exchanges.size() == 1);
  const auto& ex = h.sink.exchanges[0];
  CHECK(ex.request_ts == 100);
  CHECK(ex.request_end_ts == 120);
  CHECK(ex.response_ts == 200);
  CHECK(ex.response_body == "abcde");
  CHECK(ex.response_body_ts == std::vector<uint64_t>{210, 220});
  CHECK(ex.response_end_ts == 230);
}

TEST_CASE("keep-alive: three exchanges on one connection", "[http][stage]") {
  StageHarness h;
  for (int i = 0; i < 3; ++i) {
    h.send(post("/v1/r" + std::to_string(i), "req" + std::to_string(i)));
    h.recv(ok("resp" + std::to_string(i)));
  }
  REQUIRE(h.sink.violations.empty());
  REQUIRE(h.sink.exchanges.size() == 3);
  for (int i = 0; i < 3; ++i) {
    const auto& ex = h.sink.exchanges[size_t(i)];
    CHECK(ex.request.target == "/v1/r" + std::to_string(i));
    CHECK(ex.request_body == "req" + std::to_string(i));
    CHECK(ex.response_body == "resp" + std::to_string(i));
    CHECK(ex.done);
  }
  CHECK(h.sink.exchanges[0].id != h.sink.exchanges[1].id);
  CHECK(h.sink.exchanges[1].id != h.sink.exchanges[2].id);
}

TEST_CASE("pipelining pairs responses in request order", "[http][stage]") {
  StageHarness h;
  h.send(post("/a", "1") + "GET /b HTTP/1.1\r\nHost: x\r\n\r\n" + post("/c", "333"));
  h.recv(ok("A") + ok("BB") + ok("CCC"));
  REQUIRE(h.sink.violations.empty());
  REQUIRE(h.sink.exchanges.size() == 3);
  CHECK(h.sink.exchanges[0].request.target == "/a");
  CHECK(h.sink.exchanges[0].response_body == "A");
  CHECK(h.sink.exchanges[1].request.method == "GET");
  CHECK(h.sink.exchanges[1].request_body.empty());
  CHECK(h.sink.exchanges[1].response_body == "BB");
  CHECK(h.sink.exchanges[2].request_body == "333");
  CHECK(h.sink.exchanges[2].response_body == "CCC");
}

TEST_CASE("100 Continue is skipped, the final response is paired", "[http][stage]") {
  StageHarness h;
  h.send("POST /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
  h.recv("HTTP/1.1 100 Continue\r\n\r\n");
  h.send("data");
  h.recv(ok("done"));
  REQUIRE(h.sink.violations.empty());
  REQUIRE(h.sink.exchanges.size() == 1);
  CHECK(h.sink.exchanges[0].request_body == "data");
  CHECK(h.sink.exchanges[0].response->status == 200);
  CHECK(h.sink.exchanges[0].response_body == "done");
  CHECK(h.stage.stats().informational_responses == 1);
  CHECK(h.stage.stats().responses == 1);
}

TEST_CASE("HEAD response has no body even with content-length", "[http][stage]") {
  StageHarness h;
  h.send("HEAD /x HTTP/1.1\r\nHost: a\r\n\r\nGET /y HTTP/1.1\r\nHost: a\r\n\r\n");
  h.recv("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + ok("yy"));
  REQUIRE(h.sink.violations.empty());
  REQUIRE(h.sink.exchanges.size() == 2);
  CHECK(h.sink.exchanges[0].response_body.empty());
  CHECK(h.sink.exchanges[0].response_end == BodyEnd::kComplete);
  CHECK(h.sink.exchanges[1].response->status == 200);
  CHECK(h.sink.exchanges[1].response_body == "yy");
}

TEST_CASE("204 and 304 have no body", "[http][stage]") {
  StageHarness h;
  h.send("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\n\r\n");
  h.recv("HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n" + ok("c"));
  REQUIRE(h.sink.violations.empty());
  REQUIRE(h.sink.exchanges.size() == 3);
  CHECK(h.sink.exchanges[0].response->status == 204);
  CHECK(h.sink.exchanges[0].response_end == BodyEnd::kComplete);
  CHECK(h.sink.exchanges[1].response->status == 304);
  CHECK(h.sink.exchanges[1].response_body.empty());
  CHECK(h.sink.exchanges[2].response_body == "c");
}

TEST_CASE("chunked with extensions and trailers, then keep-alive", "[http][stage]") {
  StageHarness h;
  h.send("POST /v1 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n");
  h.recv("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nworld!\r\n0\r\nChecksum: abc\r\nMore: x\r\n\r\n");
  h.send("GET /next HTTP/1.1\r\n\r\n");
  h.recv(ok("n"));
  REQUIRE(h.sink.violations.empty());
  REQUIRE(h.sink.exchanges.size() == 2);
  CHECK(h.sink.exchanges[0].request_body == "hello");
  CHECK(h.sink.exchanges[0].request_end == BodyEnd::kComplete);
  CHECK(h.sink.exchanges[0].response_body == "world!");
  CHECK(h.sink.exchanges[0].response_end == BodyEnd::kComplete);
  CHECK(h.sink.exchanges[1].request.target == "/next");
  CHECK(h.sink.exchanges[1].response_body == "n");
}

TEST_CASE("read-until-close response ends complete at close", "[http][stage]") {
  StageHarness h;
  h.send("GET /old HTTP/1.1\r\n\r\n");
  h.recv("HTTP/1.0 200 OK\r\n\r\npart1");
  h.recv("part2", 5);
  h.close(50);
  REQUIRE(h.sink.violations.empty());
  REQUIRE(h.sink.exchanges.size() == 1);
  CHECK(h.sink.exchanges[0].response_body == "part1part2");
  CHECK(h.sink.exchanges[0].response_end == BodyEnd::kClosed);
  CHECK(h.sink.exchanges[0].response_end_ts == 50);
  CHECK(h.sink.exchanges[0].done);
  CHECK(h.stage.stats().open_connections == 0);
}

TEST_CASE("close mid-body ends the body with kClosed and finishes every exchange", "[http][stage]") {
  StageHarness h;
  h.send(post("/a", "x") + post("/b", "y"));
  h.recv("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly-part");
  h.close(77);
  REQUIRE(h.sink.violations.empty());
  REQUIRE(h.sink.exchanges.size() == 2);
  CHECK(h.sink.exchanges[0].response_body == "only-part");
  CHECK(h.sink.exchanges[0].response_end == BodyEnd::kClosed);
  CHECK(h.sink.exchanges[0].done);
  CHECK_FALSE(h.sink.exchanges[1].response);
  CHECK(h.sink.exchanges[1].done);
  CHECK(h.sink.exchanges[1].done_ts == 77);
}

TEST_CASE("close while the request body is incomplete", "[http][stage]") {
  StageHarness h;
  h.send("POST /a HTTP/1.1\r\nContent-Length: 10\r\n\r\n12345");
  h.close(9);
  REQUIRE(h.sink.violations.empty());
  REQUIRE(h.sink.exchanges.size() == 1);
  CHECK(h.sink.exchanges[0].request_body == "12345");
  CHECK(h.sink.exchanges[0].request_end == BodyEnd::kClosed);
  CHECK(h.sink.exchanges[0].done);
}

TEST_CASE("server role: ingress carries the requests", "[http][stage]") {
  StageHarness h({}, Role::kServer);
  h.recv(post("/api/chat", R"({"model":"llama3"})"), 5);
  h.send(ok(R"({"done":true})"), 6);
  REQUIRE(h.sink.violations.empty());
  REQUIRE(h.sink.exchanges.size() == 1);
  CHECK(h.sink.exchanges[0].request.target == "/api/chat");
  CHECK(h.sink.exchanges[0].response_body == R"({"done":true})");
}

TEST_CASE("a response seen first decides the directions too", "[http][stage]") {
  StageHarness h;
  h.recv(ok("orphan"));  // attached after the request went out
  h.send(post("/a", "1"));
  h.recv(ok("paired"));
  REQUIRE(h.sink.violations.empty());
  REQUIRE(h.sink.exchanges.size() == 1);
  CHECK(h.sink.exchanges[0].response_body == "paired");
  CHECK(h.stage.stats().unmatched_responses == 1);
}

TEST_CASE("attaching in the middle of a message resynchronises on the next start line", "[http][stage]") {
  StageHarness h;
  h.recv("tail of some earlier body\n{\"x\":1}\r\n");
  h.send("ody-of-an-earlier-request\r\n" + post("/v1/next", "n"));
  h.recv(ok("r"));
  REQUIRE(h.sink.violations.empty());
  REQUIRE(h.sink.exchanges.size() == 1);
  CHECK(h.sink.exchanges[0].request.target == "/v1/next");
  CHECK(h.sink.exchanges[0].response_body == "r");
}

TEST_CASE("non-HTTP connections are ignored and counted", "[http][stage]") {
  SECTION("TLS handshake bytes") {
    StageHarness h;
    h.send(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11));
    h.send(post("/later", "x"));  // ignored: the connection was decided
    CHECK(h.sink.log.empty());
    CHECK(h.stage.stats().connections_not_http == 1);
  }
  SECTION("binary protocol beyond the sniff window") {
    HttpLimits limits;
    limits.max_sniff_bytes = 1024;
    StageHarness h(limits);
    std::string junk(600, '\x01');
    h.send(junk);
    CHECK(h.stage.stats().connections_not_http == 0);
    h.send(junk);
    CHECK(h.stage.stats().connections_not_http == 1);
    h.send(post("/later", "x"));
    CHECK(h.sink.log.empty());
  }
  SECTION("HTTP/2 preface, then bytes that are not frames") {
    StageHarness h;
    h.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    h.send(post("/later", "x"));  // "POS" read as a frame length: far over 16 KiB, not buffered
    CHECK(h.sink.log.empty());
    CHECK(h.stage.stats().http2_connections == 1);
    CHECK(h.stage.stats().h2_undecodable_connections == 1);
    CHECK(h.stage.stats().connections_not_http == 0);
  }
}

TEST_CASE("101 Switching Protocols stops parsing the connection", "[http][stage]") {
  StageHarness h;
  h.send("GET /v1/responses HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
  h.recv("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello");
  h.send("\x81\x85garbageGET /x HTTP/1.1\r\n\r\n");
  h.recv(ok("not-http-anymore"));
  h.close();
  REQUIRE(h.sink.violations.empty());
  REQUIRE(h.sink.exchanges.size() == 1);
  CHECK(h.sink.exchanges[0].response->status == 101);
  CHECK(h.sink.exchanges[0].response_body.empty());
  CHECK(h.sink.exchanges[0].done);
  CHECK(h.stage.stats().upgraded_connections == 1);
  CHECK(h.stage.stats().parse_errors == 0);
}

TEST_CASE("a head larger than the cap is a parse error; the next message still parses", "[http][stage]") {
  HttpLimits limits;
  limits.max_head_bytes = 256;
  StageHarness h(limits);
  std::string big = "POST /big HTTP/1.1\r\nX-Filler: " + std::string(1000, 'a') + "\r\nContent-Length: 1\r\n\r\nz";
  // The body length of the refused head is unknown: its "z" is skipped while resynchronising.
  h.send(big);
  h.send(post("/small", "s"));
  h.recv(ok("r"));
  REQUIRE(h.sink.violations.empty());
  CHECK(h.stage.stats().heads_too_large == 1);
  CHECK(h.stage.stats().parse_errors == 1);
  REQUIRE(h.sink.exchanges.size() == 1);
  CHECK(h.sink.exchanges[0].request.target == "/small");
  CHECK(h.sink.exchanges[0].response_body == "r");
}

TEST_CASE("a body over the cap is truncated and the next keep-alive message still parses", "[http][stage]") {
  HttpLimits limits;
  limits.max_decoded_body_bytes = 10;
  StageHarness h(limits);
  h.send(post("/a", "0123456789ABCDEF"));
  h.recv("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked("abcdefghijklmnopqrstuvwxyz", 4));
  h.send(post("/b", "small"));
  h.recv(ok("tiny"));
  REQUIRE(h.sink.violations.empty());
  REQUIRE(h.sink.exchanges.size() == 2);
  CHECK(h.sink.exchanges[0].request_body == "0123456789");
  CHECK(h.sink.exchanges[0].request_end == BodyEnd::kTruncated);
  CHECK(h.sink.exchanges[0].response_body == "abcdefghij");
  CHECK(h.sink.exchanges[0].response_end == BodyEnd::kTruncated);
  CHECK(h.sink.exchanges[1].request_body == "small");
  CHECK(h.sink.exchanges[1].request_end == BodyEnd::kComplete);
  CHECK(h.sink.exchanges[1].response_body == "tiny");
  CHECK(h.stage.stats().truncated_bodies == 2);
}

TEST_CASE("a body exactly at the cap is complete", "[http][stage]") {
  HttpLimits limits;
  limits.max_decoded_body_bytes = 4;
  StageHarness h(limits);
  h.send(post("/a", "abcd"));
  REQUIRE(h.sink.exchanges.size() == 1);
  CHECK(h.sink.exchanges[0].request_end == BodyEnd::kComplete);
  CHECK(h.stage.stats().truncated_bodies == 0);
}

TEST_CASE("gap in a response body ends the exchange; the next response is not mixed in", "[http][stage]") {
  StageHarness h;
  h.send(post("/a", "1"));
  h.recv("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nfirst-part");
  h.gap(Direction::kIngress, 90);
  REQUIRE(h.sink.exchanges.size() == 1);
  CHECK(h.sink.exchanges[0].response_end == BodyEnd::kGap);
  CHECK(h.sink.exchanges[0].done);
  h.send(post("/b", "2"));
  // After the hole, the stream resumes with garbage of unknown position, then a new response.
  h.recv("ost-bytes-of-an-unknown-message\r\n" + ok("second"));
  REQUIRE(h.sink.violations.empty());
  REQUIRE(h.sink.exchanges.size() == 2);
  CHECK(h.sink.exchanges[0].response_body == "first-part");
  CHECK(h.sink.exchanges[1].request.target == "/b");
  CHECK(h.sink.exchanges[1].response_body == "second");
  CHECK(h.stage.stats().gaps == 1);
  CHECK(h.stage.stats().bodies_cut_by_gap == 1);
}

TEST_CASE("gap in a request body: the request ends with kGap, its response still pairs", "[http][stage]") {
  StageHarness h;
  h.send("POST /big HTTP/1.1\r\nContent-Length: 1000\r\n\r\n{\"model\":\"m\",");
  h.gap(Direction::kEgress, 900);
  h.send("tail-of-the-lost-body\"}");
  h.recv(ok("usage"));
  h.send(post("/next", "n"));
  h.recv(ok("r2"));
  REQUIRE(h.sink.violations.empty());
  REQUIRE(h.sink.exchanges.size() == 2);
  CHECK(h.sink.exchanges[0].request_body == "{\"model\":\"m\",");
  CHECK(h.sink.exchanges[0].request_end == BodyEnd::kGap);
  CHECK(h.sink.exchanges[0].response_body == "usage");
  CHECK(h.sink.exchanges[1].request.target == "/next");
  CHECK(h.sink.exchanges[1].request_body == "n");
  CHECK(h.sink.exchanges[1].response_body == "r2");
}

TEST_CASE("gap in a chunked SSE response resyncs on the next status line", "[http][stage]") {
  StageHarness h;
  h.send(post("/a", "1"));
  h.recv("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\ndata: 1\n\n\r\n");
  h.gap(Direction::kIngress);
  // The bytes after the hole look like chunk data with a fake status line inside a data field:
  // only a line start counts, and "data: HTTP/1.1" is not one.
  h.recv("\r\n9\r\ndata: HTTP/1.1 200\n\r\n0\r\n\r\n");
  h.send(post("/b", "2"));
  h.recv(ok("fine"));
  REQUIRE(h.sink.violations.empty());
  REQUIRE(h.sink.exchanges.size() == 2);
  CHECK(h.sink.exchanges[0].response_body == "data: 1\n\n");
  CHECK(h.sink.exchanges[0].response_end == BodyEnd::kGap);
  CHECK(h.sink.exchanges[1].response_body == "fine");
}

TEST_CASE("a lost response head finishes the waiting exchange", "[http][stage]") {
  StageHarness h;
  h.send(post("/a", "1"));
  h.gap(Direction::kIngress);
  REQUIRE(h.sink.exchanges.size() == 1);
  CHECK(h.sink.exchanges[0].done);
  CHECK_FALSE(h.sink.exchanges[0].response);
  h.recv("dy-of-the-lost-response");
  h.send(post("/b", "2"));
  h.recv(ok("b"));
  REQUIRE(h.sink.violations.empty());
  REQUIRE(h.sink.exchanges.size() == 2);
  CHECK(h.sink.exchanges[1].response_body == "b");
}

TEST_CASE("malformed chunk size ends the body malformed and the parser recovers", "[http][stage]") {
  StageHarness h;
  h.send(post("/a", "1"));
  h.recv("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n");
  h.send(post("/b", "2"));
  h.recv(ok("b"));
  REQUIRE(h.sink.violations.empty());
  REQUIRE(h.sink.exchanges.size() == 2);
  CHECK(h.sink.exchanges[0].response_end == BodyEnd::kMalformed);
  CHECK(h.sink.exchanges[1].response_body == "b");
  CHECK(h.stage.stats().parse_errors == 1);
}

TEST_CASE("conflicting content-length is a parse error", "[http][stage]") {
  StageHarness h;
  // The body length is unknown: the parser resyncs at the next line that starts a request.
  h.send("POST /a HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc\n" + post("/b", "ok"));
  REQUIRE(h.sink.exchanges.size() == 1);
  CHECK(h.sink.exchanges[0].request.target == "/b");
  CHECK(h.sink.exchanges[0].request_body == "ok");
  CHECK(h.stage.stats().parse_errors == 1);
}

TEST_CASE("early final response ends the request first", "[http][stage]") {
  StageHarness h;
  h.send("POST /a HTTP/1.1\r\nContent-Length: 10\r\n\r\n12345");
  h.recv("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 3\r\n\r\nbig");
  h.send("67890");
  h.send(post("/b", "x"));
  h.recv(ok("y"));
  REQUIRE(h.sink.violations.empty());
  REQUIRE(h.sink.exchanges.size() == 2);
  CHECK(h.sink.exchanges[0].request_body == "12345");
  CHECK(h.sink.exchanges[0].request_end == BodyEnd::kTruncated);
  CHECK(h.sink.exchanges[0].response->status == 413);
  CHECK(h.sink.exchanges[0].response_body == "big");
  CHECK(h.sink.exchanges[1].request_body == "x");
  CHECK(h.stage.stats().early_responses == 1);
}

TEST_CASE("content-encoded bodies are decoded", "[http][stage]") {
  const std::string body = R"({"usage":{"prompt_tokens":12,"completion_tokens":34}})";
  struct Case {
    const char* coding;
    std::string encoded;
  };
  std::vector<Case> cases = {
      {"gzip", gzip_compress(body)},     {"x-gzip", gzip_compress(body)},
      {"deflate", zlib_compress(body)},  {"deflate", raw_deflate_compress(body)},
      {"br", brotli_compress(body)},     {"zstd", zstd_compress(body)},
      {"gzip, br", brotli_compress(gzip_compress(body))},
  };
  for (const auto& c : cases) {
    INFO(c.coding);
    StageHarness h;
    h.send("GET /v1/models HTTP/1.1\r\n\r\n");
    h.recv("HTTP/1.1 200 OK\r\nContent-Encoding: " + std::string(c.coding) +
           "\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(c.encoded, 7));
    REQUIRE(h.sink.exchanges.size() == 1);
    CHECK(h.sink.exchanges[0].response_body == body);
    CHECK(h.sink.exchanges[0].response_end == BodyEnd::kComplete);
    CHECK(h.stage.stats().decode_errors == 0);
  }
}

TEST_CASE("streamed gzip SSE yields events as chunks arrive", "[http][stage]") {
  // Each event is flushed by the server (Z_SYNC_FLUSH), as streaming servers do.
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  auto flush_piece = [&](std::string_view text, int mode) {
    std::string out(1024, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    zs.avail_in = uInt(text.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = uInt(out.size());
    deflate(&zs, mode);
    out.resize(out.size() - zs.avail_out);
    return out;
  };
  StageHarness h;
  h.send(post("/v1/chat/completions", "{}"));
  h.recv("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", 10);
  std::string p1 = flush_piece("data: {\"a\":1}\n\n", Z_SYNC_FLUSH);
  h.recv(chunked(p1, 1000).substr(0, chunked(p1, 1000).size() - 5), 11);  // without last-chunk
  REQUIRE(h.sink.exchanges.size() == 1);
  CHECK(h.sink.exchanges[0].response_body == "data: {\"a\":1}\n\n");
  std::string p2 = flush_piece("data: [DONE]\n\n", Z_FINISH);
  deflateEnd(&zs);
  h.recv(chunked(p2, 1000), 12);
  CHECK(h.sink.exchanges[0].response_body == "data: {\"a\":1}\n\ndata: [DONE]\n\n");
  CHECK(h.sink.exchanges[0].response_body_ts.front() == 11);
  CHECK(h.sink.exchanges[0].response_end == BodyEnd::kComplete);
}

TEST_CASE("decompression bomb is capped", "[http][stage]") {
  HttpLimits limits;
  limits.max_decoded_body_bytes = 1 << 16;
  StageHarness h(limits);
  std::string bomb = gzip_compress(std::string(64u << 20, 'A'));  // ~64 KiB compressed
  h.send("GET /x HTTP/1.1\r\n\r\n");
  h.recv("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + std::to_string(bomb.size()) +
         "\r\n\r\n" + bomb);
  h.send("GET /y HTTP/1.1\r\n\r\n");
  h.recv(ok("after"));
  REQUIRE(h.sink.exchanges.size() == 2);
  CHECK(h.sink.exchanges[0].response_body.size() == (1u << 16));
  CHECK(h.sink.exchanges[0].response_end == BodyEnd::kTruncated);
  CHECK(h.sink.exchanges[1].response_body == "after");
}

TEST_CASE("corrupt or cut compressed bodies end malformed and are counted", "[http][stage]") {
  SECTION("corrupt gzip") {
    StageHarness h;
    std::string bad = gzip_compress("hello hello hello");
    bad[12] ^= 0x55;
    bad[13] ^= 0x55;
    h.send("GET /x HTTP/1.1\r\n\r\n");
    h.recv("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + std::to_string(bad.size()) + "\r\n\r\n" + bad);
    REQUIRE(h.sink.exchanges.size() == 1);
    CHECK(h.sink.exchanges[0].response_end == BodyEnd::kMalformed);
    CHECK(h.stage.stats().decode_errors == 1);
  }
  SECTION("gzip cut short but framing complete") {
    StageHarness h;
    std::string cut = gzip_compress("hello hello hello");
    cut.resize(cut.size() - 4);
    h.send("GET /x HTTP/1.1\r\n\r\n");
    h.recv("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + std::to_string(cut.size()) + "\r\n\r\n" + cut);
    REQUIRE(h.sink.exchanges.size() == 1);
    CHECK(h.sink.exchanges[0].response_end == BodyEnd::kMalformed);
    CHECK(h.stage.stats().decode_errors == 1);
  }
  SECTION("unknown coding") {
    StageHarness h;
    h.send("GET /x HTTP/1.1\r\n\r\n");
    h.recv("HTTP/1.1 200 OK\r\nContent-Encoding: compress\r\nContent-Length: 3\r\n\r\nabc" + ok("next"));
    REQUIRE(h.sink.exchanges.size() == 1);
    CHECK(h.sink.exchanges[0].response_body.empty());
    CHECK(h.sink.exchanges[0].response_end == BodyEnd::kMalformed);
    CHECK(h.stage.stats().unsupported_encodings == 1);
    CHECK(h.stage.stats().unmatched_responses == 1);
  }
}

TEST_CASE("secrets never reach the sink", "[http][stage][secrets]") {
  StageHarness h;
  h.send(
      "POST /v1beta/models/gemini-2.5-flash:generateContent?key=AIzaSECRET1&alt=sse&token=SECRET2 HTTP/1.1\r\n"
      "Host: generativelanguage.googleapis.com\r\n"
      "Authorization: Bearer sk-SECRET3\r\n"
      "x-api-key: SECRET4\r\n"
      "X-Goog-Api-Key: SECRET5\r\n"
      "api-key: SECRET6\r\n"
      "Proxy-Authorization: Basic SECRET7\r\n"
      "Cookie: session=SECRET8\r\n"
      "Content-Length: 2\r\n\r\n{}");
  h.recv("HTTP/1.1 200 OK\r\nSet-Cookie: id=SECRET9\r\nContent-Length: 2\r\n\r\n{}");
  REQUIRE(h.sink.exchanges.size() == 1);
  CHECK(h.sink.exchanges[0].request.target ==
        "/v1beta/models/gemini-2.5-flash:generateContent?key=REDACTED&alt=sse&token=REDACTED");
  CHECK(h.sink.everything.find("SECRET") == std::string::npos);
  CHECK(h.sink.exchanges[0].request.headers.find("host"));
  CHECK_FALSE(h.sink.exchanges[0].request.headers.find("authorization"));
  CHECK_FALSE(h.sink.exchanges[0].response->headers.find("set-cookie"));
}

TEST_CASE("requests beyond max_open_exchanges are counted, not tracked", "[http][stage]") {
  HttpLimits limits;
  limits.max_open_exchanges = 2;
  StageHarness h(limits);
  h.send("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n" + post("/3", "body3"));
  h.recv(ok("r1"));
  h.close();
  REQUIRE(h.sink.violations.empty());
  REQUIRE(h.sink.exchanges.size() == 2);
  CHECK(h.sink.exchanges[0].response_body == "r1");
  CHECK(h.sink.exchanges[1].done);
  CHECK(h.sink.everything.find("body3") == std::string::npos);
  CHECK(h.stage.stats().dropped_exchanges == 1);
}

TEST_CASE("interleaved connections are independent", "[http][stage]") {
  RecordingExchangeSink sink;
  HttpStage stage(sink);
  ConnMeta a, b;
  a.key = ConnKey{1, Transport::kTls, 10, 1};
  b.key = ConnKey{1, Transport::kTls, 10, 2};  // same SSL*, new generation: a different connection
  std::string ra = post("/a", "AAAA"), rb = post("/b", "BB");
  stage.on_bytes(a, Direction::kEgress, 1, as_bytes(std::string_view(ra).substr(0, 20)));
  stage.on_bytes(b, Direction::kEgress, 2, as_bytes(rb));
  stage.on_bytes(a, Direction::kEgress, 3, as_bytes(std::string_view(ra).substr(20)));
  stage.on_bytes(b, Direction::kIngress, 4, as_bytes(ok("rb")));
  stage.on_bytes(a, Direction::kIngress, 5, as_bytes(ok("ra")));
  CHECK(stage.stats().open_connections == 2);
  stage.on_close(a, CloseReason::kClosed, 6);
  stage.on_close(b, CloseReason::kExpired, 7);
  REQUIRE(sink.violations.empty());
  REQUIRE(sink.exchanges.size() == 2);
  CHECK(sink.exchanges[0].request.target == "/b");
  CHECK(sink.exchanges[0].response_body == "rb");
  CHECK(sink.exchanges[1].request.target == "/a");
  CHECK(sink.exchanges[1].request_body == "AAAA");
  CHECK(sink.exchanges[1].request_ts == 1);
  CHECK(sink.exchanges[1].response_body == "ra");
  CHECK(stage.stats().open_connections == 0);
}

TEST_CASE("a start line split across the first chunks of a connection", "[http][stage]") {
  StageHarness h;
  h.send("PO", 1);
  h.send("ST /v1/x HTTP/1.1\r\nContent-Length: 1\r\n\r\n", 2);
  h.send("z", 3);
  REQUIRE(h.sink.exchanges.size() == 1);
  CHECK(h.sink.exchanges[0].request.method == "POST");
  CHECK(h.sink.exchanges[0].request.target == "/v1/x");
  CHECK(h.sink.exchanges[0].request_body == "z");
  CHECK(h.sink.exchanges[0].request_ts == 2);  // the chunk in which the head was recognised
}
