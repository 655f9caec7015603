#include <catch2/catch.hpp>

#include "http/start_line_scanner.h"
#include "stage_harness.h"

using namespace agentprof;
using agentprof::test::as_bytes;

TEST_CASE("classify_line_start", "[http][scanner]") {
  bool partial = false;
  CHECK(classify_line_start("POST /v1 HTTP/1.1", kWantRequest, partial) == StartLine::kRequest);
  CHECK(classify_line_start("HTTP/1.1 200 OK", kWantResponse, partial) == StartLine::kResponse);
  CHECK(classify_line_start("HTTP/1.1 200 OK", kWantRequest, partial) == StartLine::kNone);
  CHECK_FALSE(partial);
  CHECK(classify_line_start("PO", kWantRequest, partial) == StartLine::kNone);
  CHECK(partial);
  CHECK(classify_line_start("POSTX", kWantRequest, partial) == StartLine::kNone);
  CHECK_FALSE(partial);
  CHECK(classify_line_start("PRI * HTTP/2.0", kWantHttp2, partial) == StartLine::kHttp2Preface);
  CHECK(classify_line_start("HTTP/2 200", kWantResponse, partial) == StartLine::kNone);
}

TEST_CASE("scanner only matches at line starts", "[http][scanner]") {
  StartLineScanner s;
  s.reset(false);
  auto r = s.scan(as_bytes("xxGET / HTTP/1.1\r\nfoo\r\nGET /y HTTP/1.1\r\n"), kWantRequest);
  CHECK(r.found == StartLine::kRequest);
  CHECK(r.resume == 23);
  CHECK(s.held().empty());
}

TEST_CASE("scanner finds a start line split across calls", "[http][scanner]") {
  StartLineScanner s;
  s.reset(false);
  CHECK(s.scan(as_bytes("junk\nHT"), kWantResponse).found == StartLine::kNone);
  CHECK(s.scan(as_bytes("TP/1"), kWantResponse).found == StartLine::kNone);
  auto r = s.scan(as_bytes(".1 200 OK\r\n"), kWantResponse);
  CHECK(r.found == StartLine::kResponse);
  CHECK(r.resume == 0);
  CHECK(s.held() == "HTTP/1");
}

TEST_CASE("scanner drops a held prefix that turns out not to match", "[http][scanner]") {
  StartLineScanner s;
  CHECK(s.scan(as_bytes("GE"), kWantRequest).found == StartLine::kNone);
  CHECK(s.scan(as_bytes("NERIC text\nP"), kWantRequest).found == StartLine::kNone);
  auto r = s.scan(as_bytes("UT /a HTTP/1.1\r\n"), kWantRequest);
  CHECK(r.found == StartLine::kRequest);
  CHECK(s.held() == "P");
}

TEST_CASE("a chunk start counts as a line start unless a candidate is pending", "[http][scanner]") {
  StartLineScanner s;
  s.reset(false);
  CHECK(s.scan(as_bytes("...}"), kWantRequest).found == StartLine::kNone);
  s.at_chunk_start();
  CHECK(s.scan(as_bytes("POST /next HTTP/1.1\r\n"), kWantRequest).found == StartLine::kRequest);

  StartLineScanner t;
  CHECK(t.scan(as_bytes("PO"), kWantRequest).found == StartLine::kNone);
  t.at_chunk_start();  // "PO" is pending: the new chunk continues it
  auto r = t.scan(as_bytes("ST / HTTP/1.1\r\n"), kWantRequest);
  CHECK(r.found == StartLine::kRequest);
  CHECK(t.held() == "PO");
}
