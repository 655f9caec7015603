#include <catch2/catch.hpp>

#include <random>

#include "http/sse_parser.h"

using namespace agentprof;

namespace {

struct Events {
  std::vector<std::string> list;  // "event|data|id"
  SseParser::Callback cb() {
    return [this](std::string_view e, std::string_view d, std::string_view id) {
      list.push_back(std::string(e) + "|" + std::string(d) + "|" + std::string(id));
    };
  }
};

std::vector<std::string> parse_split(std::string_view text, size_t piece, bool finish_complete = false) {
  Events ev;
  SseParser p(ev.cb());
  for (size_t i = 0; i < text.size(); i += piece) p.feed(text.substr(i, piece));
  p.finish(finish_complete);
  return ev.list;
}

}  // namespace

TEST_CASE("SSE fields, comments, multi-line data", "[http][sse]") {
  const std::string stream =
      "\xEF\xBB\xBF: comment first\n"
      "event: message_start\n"
      "data: {\"a\":1}\n"
      "\n"
      "data:no-space\n"
      "data:  two spaces\n"
      "data\n"
      "\n"
      "id: 42\n"
      "event: ping\n"
      "retry: 100\n"
      "unknown: x\n"
      "data: p\n"
      "\n"
      "event: only-event-no-data\n"
      "\n"
      "data: after\n"
      "\n";
  std::vector<std::string> expected = {
      "message_start|{\"a\":1}|",
      "|no-space\n two spaces\n|",
      "ping|p|42",
      "|after|42",
  };
  for (size_t piece : {1, 2, 3, 7, 64, 100000}) {
    INFO(piece);
    CHECK(parse_split(stream, piece) == expected);
  }
}

TEST_CASE("SSE line endings: CRLF, LF, CR, mixed, split between CR and LF", "[http][sse]") {
  const std::string crlf = "data: a\r\ndata: b\r\n\r\nevent: e\r\ndata: c\r\n\r\n";
  const std::string cr = "data: a\rdata: b\r\revent: e\rdata: c\r\r";
  const std::string mixed = "data: a\r\ndata: b\n\revent: e\rdata: c\n\r\n";
  std::vector<std::string> expected = {"|a\nb|", "e|c|"};
  for (size_t piece : {1, 2, 5, 1000}) {
    INFO(piece);
    CHECK(parse_split(crlf, piece) == expected);
    CHECK(parse_split(cr, piece) == expected);
    CHECK(parse_split(mixed, piece) == expected);
  }
}

TEST_CASE("SSE random splits of an OpenAI-like stream", "[http][sse]") {
  std::string stream;
  std::vector<std::string> expected;
  for (int i = 0; i < 200; ++i) {
    std::string d = "{\"choices\":[{\"delta\":{\"content\":\"w" + std::to_string(i) + "\"}}]}";
    stream += "data: " + d + "\r\n\r\n";
    expected.push_back("|" + d + "|");
  }
  stream += "data: [DONE]\r\n\r\n";
  expected.push_back("|[DONE]|");
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    Events ev;
    SseParser p(ev.cb());
    std::uniform_int_distribution<size_t> dist(1, 50);
    for (size_t i = 0; i < stream.size();) {
      size_t n = std::min(dist(rng), stream.size() - i);
      p.feed(std::string_view(stream).substr(i, n));
      i += n;
    }
    CHECK(ev.list == expected);
    CHECK(p.events() == expected.size());
  }
}

TEST_CASE("SSE event over the cap is dropped and counted; the next one survives", "[http][sse]") {
  Events ev;
  SseParser p(ev.cb(), 64);
  std::string big(100, 'x');
  p.feed("data: small\n\ndata: " + big + "\n\ndata: " + big.substr(0, 40) + "\ndata: " + big.substr(0, 40) +
         "\n\ndata: ok\n\n");
  CHECK(ev.list == std::vector<std::string>{"|small|", "|ok|"});
  CHECK(p.dropped_events() == 2);
  CHECK(p.events() == 2);
}

TEST_CASE("SSE long line split across feeds over the cap", "[http][sse]") {
  Events ev;
  SseParser p(ev.cb(), 64);
  p.feed("data: ");
  for (int i = 0; i < 10; ++i) p.feed(std::string(20, 'y'));
  p.feed("\n\ndata: next\n\n");
  CHECK(ev.list == std::vector<std::string>{"|next|"});
  CHECK(p.dropped_events() == 1);
}

TEST_CASE("SSE finish: complete stream dispatches a last unterminated event", "[http][sse]") {
  CHECK(parse_split("data: a\n\ndata: tail", 3, true) == std::vector<std::string>{"|a|", "|tail|"});
  CHECK(parse_split("data: a\n\ndata: tail", 3, false) == std::vector<std::string>{"|a|"});
}

TEST_CASE("SSE BOM only at stream start; partial BOM bytes are data", "[http][sse]") {
  CHECK(parse_split("\xEF\xBB\xBF" "data: x\n\n", 1) == std::vector<std::string>{"|x|"});
  CHECK(parse_split("data: \xEF\xBB\xBF\n\n", 1) == std::vector<std::string>{"|\xEF\xBB\xBF|"});
}

TEST_CASE("SSE: any line over the cap drops its event, whole or split", "[http][sse]") {
  const std::string stream = ": " + std::string(100, 'c') + "\ndata: lost\n\ndata: kept\n\n";
  for (size_t piece : {1, 9, 1000}) {
    Events ev;
    SseParser p(ev.cb(), 64);
    for (size_t i = 0; i < stream.size(); i += piece) p.feed(std::string_view(stream).substr(i, piece));
    CHECK(ev.list == std::vector<std::string>{"|kept|"});
    CHECK(p.dropped_events() == 1);
  }
}

TEST_CASE("SSE: id with NUL is ignored, id persists", "[http][sse]") {
  CHECK(parse_split(std::string("id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n", 33), 4) ==
        std::vector<std::string>{"|a|1", "|b|1"});
}
