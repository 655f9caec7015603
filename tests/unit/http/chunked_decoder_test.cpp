#include <catch2/catch.hpp>

#include "http/chunked_decoder.h"
#include "stage_harness.h"

using namespace agentprof;
using agentprof::test::as_bytes;

namespace {

// Decodes `wire` fed in pieces of `piece` bytes; returns data and final status.
std::pair<std::string, ChunkedDecoder::Status> decode(std::string_view wire, size_t piece, size_t* used = nullptr) {
  ChunkedDecoder d;
  std::string out;
  ChunkedDecoder::Status st = ChunkedDecoder::Status::kMore;
  size_t total = 0;
  for (size_t i = 0; i < wire.size() && st == ChunkedDecoder::Status::kMore; i += piece) {
    auto in = as_bytes(wire.substr(i, piece));
    while (!in.empty() && st == ChunkedDecoder::Status::kMore) {
      auto s = d.step(in);
      out.append(reinterpret_cast<const char*>(s.data.data()), s.data.size());
      in = in.subspan(s.consumed);
      total += s.consumed;
      st = s.status;
    }
  }
  if (used) *used = total;
  return {out, st};
}

}  // namespace

TEST_CASE("chunked decoding at every split size", "[http][chunked]") {
  const std::string wire = "4\r\nWiki\r\n5;name=value;x\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\nNEXT";
  for (size_t piece : {1, 2, 3, 5, 8, 1000}) {
    INFO(piece);
    size_t used = 0;
    auto [out, st] = decode(wire, piece, &used);
    CHECK(out == "Wikipedia in\r\n\r\nchunks.");
    CHECK(st == ChunkedDecoder::Status::kDone);
    CHECK(used == wire.size() - 4);  // stops right before the next message
  }
}

TEST_CASE("chunked: LF-only line endings and upper-case hex", "[http][chunked]") {
  auto [out, st] = decode("A\nabcdefghij\n0\n\n", 1000);
  CHECK(out == "abcdefghij");
  CHECK(st == ChunkedDecoder::Status::kDone);
}

TEST_CASE("chunked: errors", "[http][chunked]") {
  CHECK(decode("g\r\n", 100).second == ChunkedDecoder::Status::kError);
  CHECK(decode("\r\n", 100).second == ChunkedDecoder::Status::kError);
  CHECK(decode("3\r\nabcX", 100).second == ChunkedDecoder::Status::kError);
  CHECK(decode("3z\r\nabc\r\n", 100).second == ChunkedDecoder::Status::kError);
  CHECK(decode("1000000000000000\r\n", 100).second == ChunkedDecoder::Status::kError);  // 16 digits
  CHECK(decode("3\r\nab", 100).second == ChunkedDecoder::Status::kMore);
}
