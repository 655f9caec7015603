// HTTP/2 through the http stage: frames and HPACK blocks built with nghttp2's encoder, fed the
// way the stream stage would, and checked on the exchanges the LLM stage receives.
#include <catch2/catch.hpp>

#include "h2_test_frames.h"
#include "stage_harness.h"
#include "test_compression.h"

using namespace agentprof;
using namespace agentprof::test;

namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

Fields post_fields(const std::string& path, const std::string& extra_name = "", const std::string& extra_value = "") {
  Fields f = {{":method", "POST"}, {":scheme", "https"}, {":authority", "api.openai.com"}, {":path", path},
              {"content-type", "application/json"}, {"authorization", "Bearer sk-test-SECRET-h2"}};
  if (!extra_name.empty()) f.push_back({extra_name, extra_value});
  return f;
}

// A client and server pair of HPACK encoders plus the byte streams of one connection.
struct H2Peers {
  HpackEncoder client, server;
  std::string headers(uint32_t stream, const Fields& fields, bool end_stream, bool from_client = true) {
    return h2_frame(kH2Headers, kH2EndHeaders | (end_stream ? kH2EndStream : 0), stream,
                    (from_client ? client : server).encode(fields));
  }
};

std::string data(uint32_t stream, const std::string& body, bool end_stream) {
  return h2_frame(kH2Data, end_stream ? kH2EndStream : 0, stream, body);
}

}  // namespace

TEST_CASE("h2: one request and a streamed response become one exchange", "[http][h2]") {
  StageHarness h;
  H2Peers p;
  h.recv(h2_settings({{4, 65535}}), 5);  // the server speaks first: its SETTINGS before our preface
  h.send(kH2Preface + h2_settings({{2, 0}}) + p.headers(1, post_fields("/v1/chat/completions"), false), 10);
  h.send(data(1, R"({"model":"gpt-4o",)", false) + data(1, R"("stream":true})", true), 11);
  h.recv(p.headers(1, {{":status", "200"}, {"content-type", "text/event-stream"}}, false, false), 20);
  h.recv(data(1, "data: {\"a\":1}\n\n", false), 30);
  h.recv(data(1, "data: [DONE]\n\n", true), 40);
  REQUIRE(h.sink.violations.empty());
  REQUIRE(h.sink.exchanges.size() == 1);
  const auto& ex = h.sink.exchanges[0];
  CHECK(ex.request.method == "POST");
  CHECK(ex.request.target == "/v1/chat/completions");
  CHECK(ex.request.version == "HTTP/2");
  REQUIRE(ex.request.headers.find("host"));
  CHECK(*ex.request.headers.find("host") == "api.openai.com");
  CHECK(ex.request.headers.find(":method") == nullptr);  // pseudo headers are not headers
  CHECK(ex.request.headers.find("authorization") == nullptr);
  CHECK(ex.request_body == R"({"model":"gpt-4o","stream":true})");
  CHECK(ex.request_end == BodyEnd::kComplete);
  CHECK(ex.request_ts == 10);
  CHECK(ex.request_end_ts == 11);
  REQUIRE(ex.response);
  CHECK(ex.response->status == 200);
  CHECK(ex.response->version == "HTTP/2");
  CHECK(ex.response_ts == 20);
  CHECK(ex.response_body == "data: {\"a\":1}\n\ndata: [DONE]\n\n");
  CHECK(ex.response_body_ts == std::vector<uint64_t>{30, 40});
  CHECK(ex.response_end == BodyEnd::kComplete);
  CHECK(ex.done);
  CHECK(ex.done_ts == 40);
  CHECK(h.sink.everything.find("sk-test-SECRET") == std::string::npos);
  CHECK(h.stage.stats().http2_connections == 1);
  CHECK(h.stage.stats().h2_undecodable_connections == 0);
}

TEST_CASE("h2: interleaved streams, dynamic table reuse, byte-by-byte delivery", "[http][h2]") {
  for (bool byte_by_byte : {false, true}) {
    INFO("byte by byte: " << byte_by_byte);
    StageHarness h;
    H2Peers p;
    // Appended one by one: the encoders are stateful, and the operands of one `+` chain may be
    // evaluated in any order.
    std::string up = kH2Preface + h2_settings();
    up += p.headers(1, post_fields("/v1/messages"), false);
    up += p.headers(3, post_fields("/v1/messages"), false);
    up += data(3, "three", true) + data(1, "one", true);
    up += p.headers(5, post_fields("/v1/models?key=AIzaSECRET"), true);
    std::string down = h2_settings();
    down += p.headers(3, {{":status", "200"}}, false, false);
    down += p.headers(1, {{":status", "429"}}, false, false);
    down += data(1, "slow down", true) + data(3, "ok three", true);
    down += p.headers(5, {{":status", "404"}}, true, false);
    if (byte_by_byte) {
      for (char c : up) h.send(std::string(1, c));
      for (char c : down) h.recv(std::string(1, c));
    } else {
      h.send(up);
      h.recv(down);
    }
    REQUIRE(h.sink.violations.empty());
    REQUIRE(h.sink.exchanges.size() == 3);
    const auto& one = h.sink.exchanges[0];
    const auto& three = h.sink.exchanges[1];
    const auto& five = h.sink.exchanges[2];
    CHECK(one.request_body == "one");
    CHECK(three.request_body == "three");
    CHECK(one.response->status == 429);
    CHECK(one.response_body == "slow down");
    CHECK(three.response->status == 200);
    CHECK(three.response_body == "ok three");
    CHECK(five.request.target == "/v1/models?key=REDACTED");
    CHECK(five.request_end == BodyEnd::kComplete);
    CHECK(five.response->status == 404);
    CHECK(five.response_end == BodyEnd::kComplete);
    for (const auto& ex : h.sink.exchanges) {
      CHECK(ex.done);
      REQUIRE(ex.request.headers.find("host"));  // later blocks index the dynamic table
      CHECK(*ex.request.headers.find("host") == "api.openai.com");
    }
    CHECK(h.sink.everything.find("SECRET") == std::string::npos);
  }
}

TEST_CASE("h2: padding, priority, CONTINUATION, 1xx, trailers and gzip", "[http][h2]") {
  StageHarness h;
  H2Peers p;
  std::string block = p.client.encode(post_fields("/v1/chat/completions"));
  // HEADERS padded and with a priority section, the block split over two CONTINUATION frames.
  std::string first = std::string(1, char(3)) + std::string("\x80\x00\x00\x00\x10", 5) + block.substr(0, 5) + "pad";
  h.send(kH2Preface + h2_frame(kH2Headers, kH2Padded | kH2Priority, 1, first) +
         h2_frame(kH2Continuation, 0, 1, block.substr(5, 4)) +
         h2_frame(kH2Continuation, kH2EndHeaders, 1, block.substr(9)) +
         h2_frame(kH2Data, kH2Padded | kH2EndStream, 1, std::string(1, char(2)) + "{}" + "xx"));
  std::string body = R"({"usage":{"prompt_tokens":3}})";
  std::string gz = gzip_compress(body);
  std::string down = p.headers(1, {{":status", "103"}, {"link", "</x>"}}, false, false);
  down += p.headers(1, {{":status", "200"}, {"content-encoding", "gzip"}}, false, false);
  down += data(1, gz.substr(0, 7), false) + data(1, gz.substr(7), false);
  down += p.headers(1, {{"grpc-status", "0"}}, true, false);  // trailers end the stream
  h.recv(down);
  REQUIRE(h.sink.violations.empty());
  REQUIRE(h.sink.exchanges.size() == 1);
  const auto& ex = h.sink.exchanges[0];
  CHECK(ex.request.target == "/v1/chat/completions");
  CHECK(ex.request_body == "{}");
  CHECK(ex.response->status == 200);
  CHECK(ex.response_body == body);
  CHECK(ex.response_end == BodyEnd::kComplete);
  CHECK(h.stage.stats().informational_responses == 1);
}

TEST_CASE("h2: reset streams, closes and gaps end exchanges, counted", "[http][h2]") {
  SECTION("RST_STREAM") {
    StageHarness h;
    H2Peers p;
    h.send(kH2Preface + p.headers(1, post_fields("/v1/messages"), true));
    h.recv(p.headers(1, {{":status", "200"}}, false, false) + data(1, "par", false) +
           h2_frame(kH2RstStream, 0, 1, std::string("\0\0\0\x08", 4)));
    REQUIRE(h.sink.violations.empty());
    REQUIRE(h.sink.exchanges.size() == 1);
    CHECK(h.sink.exchanges[0].response_end == BodyEnd::kClosed);
    CHECK(h.sink.exchanges[0].done);
    CHECK(h.stage.stats().h2_reset_streams == 1);
  }
  SECTION("close mid-response") {
    StageHarness h;
    H2Peers p;
    h.send(kH2Preface + p.headers(1, post_fields("/v1/messages"), false) + data(1, "x", false));
    h.close(77);
    REQUIRE(h.sink.violations.empty());
    REQUIRE(h.sink.exchanges.size() == 1);
    CHECK(h.sink.exchanges[0].request_end == BodyEnd::kClosed);
    CHECK(h.sink.exchanges[0].done_ts == 77);
  }
  SECTION("a gap loses the HPACK state: exchanges end, the rest is dropped") {
    StageHarness h;
    H2Peers p;
    h.send(kH2Preface + p.headers(1, post_fields("/v1/messages"), true));
    h.recv(p.headers(1, {{":status", "200"}}, false, false) + data(1, "part", false));
    h.gap(Direction::kIngress);
    h.recv(data(1, "more", true));
    h.send(p.headers(3, post_fields("/v1/messages"), true));
    REQUIRE(h.sink.violations.empty());
    REQUIRE(h.sink.exchanges.size() == 1);
    CHECK(h.sink.exchanges[0].response_body == "part");
    CHECK(h.sink.exchanges[0].response_end == BodyEnd::kGap);
    CHECK(h.stage.stats().h2_undecodable_connections == 1);
  }
}

TEST_CASE("h2: malformed input stops decoding without delivering anything wrong", "[http][h2]") {
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"HEADERS on stream 0", h2_frame(kH2Headers, kH2EndHeaders, 0, "\x82")},
      {"garbage header block", h2_frame(kH2Headers, kH2EndHeaders, 1, std::string("\xff\xff\xff\xff\xff", 5))},
      {"padding longer than the frame", h2_frame(kH2Data, kH2Padded, 1, std::string(1, char(9)) + "ab")},
      {"CONTINUATION without HEADERS", h2_frame(kH2Continuation, kH2EndHeaders, 1, "\x82")},
      {"DATA inside a header block", h2_frame(kH2Headers, 0, 1, "\x82") + h2_frame(kH2Data, 0, 1, "x")},
      {"a bad preface", std::string("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n")},
  };
  for (const auto& [what, bytes] : cases) {
    INFO(what);
    StageHarness h;
    std::string stream = bytes.rfind("PRI", 0) == 0 ? bytes : kH2Preface + bytes;
    h.send(stream);
    H2Peers p;
    h.send(p.headers(3, post_fields("/v1/messages"), true));  // after a stop: dropped
    CHECK(h.sink.violations.empty());
    CHECK(h.sink.exchanges.empty());
    CHECK(h.stage.stats().h2_undecodable_connections == 1);
  }
}

TEST_CASE("h2: bounded by the stage's limits", "[http][h2]") {
  HttpLimits limits;
  limits.max_open_exchanges = 2;
  limits.max_decoded_body_bytes = 4;
  StageHarness h(limits);
  H2Peers p;
  h.send(kH2Preface);
  for (uint32_t s : {1u, 3u, 5u}) h.send(p.headers(s, post_fields("/v1/messages"), false));
  h.send(data(1, "123456", true));
  CHECK(h.stage.stats().dropped_exchanges == 1);
  REQUIRE(h.sink.exchanges.size() == 2);
  CHECK(h.sink.exchanges[0].request_body == "1234");
  CHECK(h.sink.exchanges[0].request_end == BodyEnd::kTruncated);
  // The dropped stream's headers were still decoded (the table needs them): later ones are right.
  std::string down = p.headers(5, {{":status", "200"}}, true, false);
  down += p.headers(1, {{":status", "201"}}, true, false);
  h.recv(down);
  CHECK(h.sink.exchanges[0].response->status == 201);
  CHECK(h.stage.stats().unmatched_responses == 1);
  CHECK(h.sink.violations.empty());
}

TEST_CASE("h2: frames over 16 KiB only after the receiver allowed them", "[http][h2]") {
  for (bool allowed : {false, true}) {
    INFO("SETTINGS_MAX_FRAME_SIZE announced: " << allowed);
    StageHarness h;
    H2Peers p;
    h.send(kH2Preface + (allowed ? h2_settings({{5, 1u << 20}}) : h2_settings()) +
           p.headers(1, post_fields("/v1/messages"), true));
    std::string down = p.headers(1, {{":status", "200"}}, false, false);
    down += data(1, std::string(100000, 'x'), true);
    h.recv(down);
    REQUIRE(h.sink.exchanges.size() == 1);
    CHECK(h.sink.violations.empty());
    CHECK(h.sink.exchanges[0].response_end == (allowed ? BodyEnd::kComplete : BodyEnd::kMalformed));
    CHECK(h.sink.exchanges[0].response_body.size() == (allowed ? 100000u : 0u));
    CHECK(h.stage.stats().h2_undecodable_connections == (allowed ? 0u : 1u));
  }
}

TEST_CASE("h2: a body that reached its content-length is complete without END_STREAM", "[http][h2]") {
  // Go's server sends END_STREAM in a separate empty DATA frame, which a client that has read the
  // announced bytes may never read before it closes.
  StageHarness h;
  H2Peers p;
  h.send(kH2Preface + p.headers(1, post_fields("/v1/chat/completions", "content-length", "2"), false) +
         data(1, "{}", false));
  h.recv(p.headers(1, {{":status", "200"}, {"content-length", "5"}}, false, false) + data(1, "hello", false), 30);
  REQUIRE(h.sink.exchanges.size() == 1);
  const auto& ex = h.sink.exchanges[0];
  CHECK(ex.request_end == BodyEnd::kComplete);
  CHECK(ex.response_end == BodyEnd::kComplete);
  CHECK(ex.response_end_ts == 30);
  CHECK(ex.done);
  h.recv(data(1, "", true));  // the late END_STREAM: nothing more happens
  h.close();
  CHECK(h.sink.violations.empty());
  CHECK(h.sink.exchanges.size() == 1);
  // More DATA than announced is malformed.
  StageHarness m;
  H2Peers q;
  m.send(kH2Preface + q.headers(1, post_fields("/v1/messages"), true));
  m.recv(q.headers(1, {{":status", "200"}, {"content-length", "3"}}, false, false) + data(1, "toolong", true));
  REQUIRE(m.sink.exchanges.size() == 1);
  CHECK(m.sink.exchanges[0].response_end == BodyEnd::kMalformed);
}
