#include <catch2/catch.hpp>

#include "http/ndjson_parser.h"

using namespace agentprof;

namespace {

std::vector<std::string> parse_split(std::string_view text, size_t piece, size_t cap = 1 << 20,
                                     uint64_t* dropped = nullptr, bool complete = true) {
  std::vector<std::string> lines;
  NdjsonParser p([&](std::string_view l) { lines.emplace_back(l); }, cap);
  for (size_t i = 0; i < text.size(); i += piece) p.feed(text.substr(i, piece));
  p.finish(complete);
  if (dropped) *dropped = p.dropped_lines();
  return lines;
}

}  // namespace

TEST_CASE("NDJSON lines at any split", "[http][ndjson]") {
  const std::string text = "{\"a\":1}\n\n  \r\n{\"b\":2}\r\n{\"done\":true}";
  std::vector<std::string> expected = {"{\"a\":1}", "{\"b\":2}", "{\"done\":true}"};
  for (size_t piece : {1, 2, 3, 9, 1000}) {
    INFO(piece);
    CHECK(parse_split(text, piece) == expected);
  }
  CHECK(parse_split(text, 4, 1 << 20, nullptr, false) == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"});
}

TEST_CASE("NDJSON line over the cap is dropped and counted", "[http][ndjson]") {
  uint64_t dropped = 0;
  std::string text = "{\"a\":1}\n" + std::string(100, 'z') + "\n{\"c\":3}\n";
  for (size_t piece : {1, 7, 1000}) {
    CHECK(parse_split(text, piece, 32, &dropped) == std::vector<std::string>{"{\"a\":1}", "{\"c\":3}"});
    CHECK(dropped == 1);
  }
}
