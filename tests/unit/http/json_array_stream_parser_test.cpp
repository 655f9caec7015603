#include <catch2/catch.hpp>

#include "http/json_array_stream_parser.h"

using namespace agentprof;

namespace {

struct Result {
  std::vector<std::string> elements;
  uint64_t dropped = 0;
  bool done = false;
  bool malformed = false;
};

Result parse_split(std::string_view text, size_t piece, size_t cap = 1 << 20) {
  Result r;
  JsonArrayStreamParser p([&](std::string_view e) { r.elements.emplace_back(e); }, cap);
  for (size_t i = 0; i < text.size(); i += piece) p.feed(text.substr(i, piece));
  r.dropped = p.dropped_elements();
  r.done = p.done();
  r.malformed = p.malformed();
  return r;
}

}  // namespace

TEST_CASE("Gemini streamed array elements at any split", "[http][jsonarray]") {
  const std::string text =
      "[{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a ] } [ { \\\" \\\\\"}]}}]}\n"
      ",\r\n{\"usageMetadata\":{\"promptTokenCount\":3}}\n]";
  std::vector<std::string> expected = {
      "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a ] } [ { \\\" \\\\\"}]}}]}",
      "{\"usageMetadata\":{\"promptTokenCount\":3}}",
  };
  for (size_t piece : {1, 2, 3, 5, 13, 1000}) {
    INFO(piece);
    Result r = parse_split(text, piece);
    CHECK(r.elements == expected);
    CHECK(r.done);
    CHECK_FALSE(r.malformed);
  }
}

TEST_CASE("scalar and string elements; empty array", "[http][jsonarray]") {
  Result r = parse_split("[1, \"s,]\" ,true,[2,3]]", 1);
  CHECK(r.elements == std::vector<std::string>{"1", "\"s,]\"", "true", "[2,3]"});
  CHECK(r.done);
  Result e = parse_split("  [ ]  ", 1);
  CHECK(e.elements.empty());
  CHECK(e.done);
}

TEST_CASE("a top-level error object is one element", "[http][jsonarray]") {
  Result r = parse_split("{\"error\":{\"code\":429,\"status\":\"RESOURCE_EXHAUSTED\"}}\n", 4);
  CHECK(r.elements == std::vector<std::string>{"{\"error\":{\"code\":429,\"status\":\"RESOURCE_EXHAUSTED\"}}"});
  CHECK(r.done);
}

TEST_CASE("oversized elements are dropped, garbage is reported", "[http][jsonarray]") {
  std::string big = "{\"t\":\"" + std::string(200, 'x') + "\"}";
  Result r = parse_split("[{\"a\":1}," + big + ",{\"b\":2}]", 7, 64);
  CHECK(r.elements == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"});
  CHECK(r.dropped == 1);
  CHECK(parse_split("<html>", 2).malformed);
  CHECK(parse_split("[1] x", 2).malformed);
}
