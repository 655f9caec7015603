// The events an HttpStage produces must not depend on how its input is split into chunks.
#include <catch2/catch.hpp>

#include <random>

#include "stage_harness.h"
#include "test_compression.h"

using namespace agentprof;
using namespace agentprof::test;

namespace {

struct Op {
  enum Kind { kBytes, kGap, kClose } kind;
  Direction dir;
  std::string bytes;
};

std::vector<Op> scenario() {
  const std::string sse =
      "event: message_start\r\ndata: {\"type\":\"message_start\"}\r\n\r\n"
      ": keep-alive\r\n\r\n"
      "event: content_block_delta\r\ndata: {\"delta\":\"hi\"}\r\n\r\n";
  const std::string gz = gzip_compress(R"({"usage":{"input_tokens":3}})");
  const std::string br = brotli_compress(std::string(3000, 'x') + "end");
  std::string chunked_sse = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (size_t i = 0; i < sse.size(); i += 17) {
    std::string piece = sse.substr(i, 17);
    char size[16];
    snprintf(size, sizeof size, "%zX;x=y\r\n", piece.size());
    chunked_sse += size + piece + "\r\n";
  }
  chunked_sse += "0\r\nTrailer-A: 1\r\n\r\n";
  std::vector<Op> ops;
  auto send = [&](std::string s) { ops.push_back({Op::kBytes, Direction::kEgress, std::move(s)}); };
  auto recv = [&](std::string s) { ops.push_back({Op::kBytes, Direction::kIngress, std::move(s)}); };
  send("POST /v1/messages?key=abc HTTP/1.1\r\nHost: api.anthropic.com\r\nx-api-key: sk-ant\r\n"
       "Content-Length: 16\r\n\r\n{\"stream\":true}\n");
  recv(chunked_sse);
  send("POST /v1/x HTTP/1.1\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n");
  recv("HTTP/1.1 100 Continue\r\n\r\n");
  send("4\r\nabcd\r\n0\r\n\r\nHEAD /h HTTP/1.1\r\n\r\nGET /gz HTTP/1.1\r\n\r\nGET /br HTTP/1.1\r\n\r\n");
  recv("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + std::to_string(gz.size()) + "\r\n\r\n" + gz +
       "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n" +
       "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + std::to_string(gz.size()) + "\r\n\r\n" + gz +
       "HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: " + std::to_string(br.size()) + "\r\n\r\n" + br);
  send("POST /cut HTTP/1.1\r\nContent-Length: 50\r\n\r\n0123456789");
  ops.push_back({Op::kGap, Direction::kEgress, {}});
  send("lost-tail\r\nGET /after-gap HTTP/1.1\r\n\r\n");
  recv("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope");
  send("GET /stream HTTP/1.1\r\n\r\n");
  recv("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close body\n");
  ops.push_back({Op::kClose, Direction::kEgress, {}});
  return ops;
}

// Feeds each op's bytes in pieces chosen by `next_size` (all ts equal, so only splitting differs).
template <class NextSize>
std::vector<std::string> run(const std::vector<Op>& ops, NextSize next_size, HttpStats* stats_out = nullptr) {
  StageHarness h;
  for (const auto& op : ops) {
    switch (op.kind) {
      case Op::kBytes:
        for (size_t i = 0; i < op.bytes.size();) {
          size_t n = std::min(next_size(), op.bytes.size() - i);
          h.stage.on_bytes(h.meta, op.dir, 7, as_bytes(std::string_view(op.bytes).substr(i, n)));
          i += n;
        }
        break;
      case Op::kGap:
        h.gap(op.dir);
        break;
      case Op::kClose:
        h.close(7);
        break;
    }
  }
  REQUIRE(h.sink.violations.empty());
  if (stats_out) *stats_out = h.stage.stats();
  return h.sink.log;
}

}  // namespace

TEST_CASE("stage output is identical for whole, byte-by-byte and random splits", "[http][split]") {
  auto ops = scenario();
  HttpStats whole_stats;
  auto whole = run(ops, [] { return size_t(1) << 30; }, &whole_stats);
  // The expected story, checked once on the whole feed.
  std::vector<std::string> expected_prefix = {
      "req 0 POST /v1/messages?key=REDACTED HTTP/1.1 [host=api.anthropic.com] [content-length=16]",
      "reqbody 0:{\"stream\":true}\n",
      "reqend 0 complete",
      "resp 0 200 OK [content-type=text/event-stream] [transfer-encoding=chunked]",
      "respbody 0:event: message_start\r\ndata: {\"type\":\"message_start\"}\r\n\r\n: keep-alive\r\n\r\n"
      "event: content_block_delta\r\ndata: {\"delta\":\"hi\"}\r\n\r\n",
      "respend 0 complete",
      "done 0",
      "req 1 POST /v1/x HTTP/1.1 [expect=100-continue] [transfer-encoding=chunked]",
      "reqbody 1:abcd",
      "reqend 1 complete",
      "req 2 HEAD /h HTTP/1.1",
      "reqend 2 complete",
      "req 3 GET /gz HTTP/1.1",
      "reqend 3 complete",
      "req 4 GET /br HTTP/1.1",
      "reqend 4 complete",
      "resp 1 200 OK [content-encoding=gzip] [content-length=" + std::to_string(gzip_compress(R"({"usage":{"input_tokens":3}})").size()) + "]",
      "respbody 1:{\"usage\":{\"input_tokens\":3}}",
      "respend 1 complete",
      "done 1",
      "resp 2 200 OK [content-length=10]",
      "respend 2 complete",
      "done 2",
  };
  REQUIRE(whole.size() > expected_prefix.size());
  for (size_t i = 0; i < expected_prefix.size(); ++i) CHECK(whole[i] == expected_prefix[i]);
  std::vector<std::string> expected_tail = {
      "req 5 POST /cut HTTP/1.1 [content-length=50]",
      "reqbody 5:0123456789",
      "reqend 5 gap",
      "req 6 GET /after-gap HTTP/1.1",
      "reqend 6 complete",
      "resp 5 200 OK [content-length=2]",
      "respbody 5:ok",
      "respend 5 complete",
      "done 5",
      "resp 6 404 Not Found [content-length=4]",
      "respbody 6:nope",
      "respend 6 complete",
      "done 6",
      "req 7 GET /stream HTTP/1.1",
      "reqend 7 complete",
      "resp 7 200 OK [connection=close]",
      "respbody 7:until close body\n",
      "respend 7 closed",
      "done 7",
  };
  REQUIRE(whole.size() >= expected_tail.size());
  for (size_t i = 0; i < expected_tail.size(); ++i)
    CHECK(whole[whole.size() - expected_tail.size() + i] == expected_tail[i]);
  CHECK(whole_stats.informational_responses == 1);
  CHECK(whole_stats.parse_errors == 0);
  CHECK(whole_stats.decode_errors == 0);

  SECTION("byte by byte") { CHECK(run(ops, [] { return size_t(1); }) == whole); }
  SECTION("random splits") {
    for (unsigned seed = 1; seed <= 30; ++seed) {
      std::mt19937 rng(seed);
      std::uniform_int_distribution<size_t> dist(1, 40);
      INFO("seed " << seed);
      CHECK(run(ops, [&] { return dist(rng); }) == whole);
    }
  }
}
