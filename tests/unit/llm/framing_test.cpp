#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "llm/request_route.h"
#include "llm/request_scan.h"
#include "llm/response_framer.h"

using namespace agentprof;

namespace {
struct Frames : FrameHandler {
  std::vector<std::pair<std::string, std::string>> got;
  void on_frame(std::string_view event, std::string_view data) override { got.emplace_back(event, data); }
};
}  // namespace

TEST_CASE("framer: JSON array elements, strings with brackets, split anywhere", "[llm][framing]") {
  std::string body = R"([{"a":"x]}\"{"},
 {"b":[1,{"c":2}]} , {"d":3}])";
  for (size_t cut = 0; cut <= body.size(); ++cut) {
    ResponseFramer f;
    f.reset(BodyFraming::kJsonArray, 1024);
    Frames h;
    f.feed(std::string_view(body).substr(0, cut), h);
    f.feed(std::string_view(body).substr(cut), h);
    f.finish(true, h);
    REQUIRE(h.got.size() == 3);
    CHECK(h.got[0].second == R"({"a":"x]}\"{"})");
    CHECK(h.got[1].second == R"({"b":[1,{"c":2}]})");
    CHECK(h.got[2].second == R"({"d":3})");
  }
}

TEST_CASE("framer: a top-level object (error body) in array mode is one value", "[llm][framing]") {
  ResponseFramer f;
  f.reset(BodyFraming::kJsonArray, 1024);
  Frames h;
  f.feed(R"({"error":{"code":400}})", h);
  REQUIRE(h.got.size() == 1);
}

TEST_CASE("framer: caps drop oversized units and count them", "[llm][framing]") {
  ResponseFramer f;
  f.reset(BodyFraming::kJsonArray, 16);
  Frames h;
  f.feed(R"([{"a":"0123456789012345678"},{"b":1}])", h);
  REQUIRE(h.got.size() == 1);
  CHECK(h.got[0].second == R"({"b":1})");
  CHECK(f.frames_dropped() == 1);

  ResponseFramer w;
  w.reset(BodyFraming::kWhole, 8);
  w.feed("0123456789", h);
  w.finish(true, h);
  CHECK(w.whole_truncated());
  CHECK(h.got.size() == 1);

  ResponseFramer s;
  s.reset(BodyFraming::kSse, 32);
  Frames hs;
  s.feed("data: " + std::string(100, 'x') + "\n\ndata: {}\n\n", hs);
  REQUIRE(hs.got.size() == 1);
  CHECK(hs.got[0].second == "{}");
  CHECK(s.frames_dropped() == 1);
}

TEST_CASE("framer: SSE events and names; whole body only when complete", "[llm][framing]") {
  ResponseFramer s;
  s.reset(BodyFraming::kSse, 1024);
  Frames h;
  s.feed("event: message_start\r\ndata: {\"x\":1}\r\n\r\n: comment\n\ndata: a\ndata: b\n\n", h);
  REQUIRE(h.got.size() == 2);
  CHECK(h.got[0].first == "message_start");
  CHECK(h.got[1].second == "a\nb");

  ResponseFramer w;
  w.reset(BodyFraming::kWhole, 1024);
  Frames hw;
  w.feed("{\"a\":", hw);
  w.finish(false, hw);
  CHECK(hw.got.empty());
}

TEST_CASE("request scan: top-level keys only, from a cut body", "[llm][framing]") {
  RequestScan s = scan_request_prefix(R"({"tools":[{"model":"nested"}],"metadata":{"model":"x"},"stream": true, "model" : "gpt-4o", "messages":[{"content":"cut here)");
  CHECK(s.model == "gpt-4o");
  CHECK(s.stream == true);
  RequestScan none = scan_request_prefix(R"({"messages":[{"model":"nested","content":"\"model\":\"fake\"")");
  CHECK_FALSE(none.model);
  CHECK_FALSE(none.stream);
}

TEST_CASE("route: host, port, query and path segments", "[llm][framing]") {
  HttpRequestHead head{"POST", "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse&key=REDACTED", "HTTP/1.1",
                       {{{"host", "Generativelanguage.googleapis.com:8443"}}}};
  ConnMeta conn;
  conn.remote.port = 443;
  RequestRoute r = make_route(head, conn);
  CHECK(r.host == "generativelanguage.googleapis.com");
  CHECK(r.server_port() == 8443);
  CHECK(r.path == "/v1beta/models/gemini-2.5-pro:streamGenerateContent");
  CHECK(r.query_param("alt") == "sse");
  CHECK_FALSE(r.query_param("al"));
  CHECK(path_segment_after(r.path, "/models/") == "gemini-2.5-pro");

  HttpRequestHead v6{"POST", "http://[::1]:8080/v1/chat/completions", "HTTP/1.1", {{{"host", "[::1]:8080"}}}};
  RequestRoute r6 = make_route(v6, conn);
  CHECK(r6.host == "::1");
  CHECK(r6.server_port() == 8080);
  CHECK(r6.path == "/v1/chat/completions");
}
