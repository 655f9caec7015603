// End to end from raw HTTP/1.1 bytes: the http stage (chunked, gzip, secret removal) feeding the
// llm stage, as the pipeline wires them.
#include <catch2/catch.hpp>

#include <zlib.h>

#include "http/http_stage.h"
#include "llm_test_harness.h"

using namespace agentprof;
using namespace agentprof::test;

namespace {

std::string gzip(const std::string& in) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, uLong(in.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = uInt(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string chunked(const std::string& body, size_t chunk) {
  std::string out;
  char size[32];
  for (size_t at = 0; at < body.size(); at += chunk) {
    size_t n = std::min(chunk, body.size() - at);
    std::snprintf(size, sizeof size, "%zx\r\n", n);
    out += size;
    out.append(body, at, n);
    out += "\r\n";
  }
  return out + "0\r\n\r\n";
}

std::span<const uint8_t> bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

}  // namespace

TEST_CASE("http to llm: gzip, chunked SSE over keep-alive, secrets removed", "[llm][http]") {
  PriceTable prices;
  std::string error;
  REQUIRE(prices.load_defaults(error));
  CollectingSink sink;
  LlmStage llm(sink, prices);
  HttpStage http(llm);
  ConnMeta conn = test_conn();

  std::string body = read_fixture("openai_chat_request.json");
  std::string request = "POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n"
                        "Authorization: Bearer sk-proj-SECRET\r\nContent-Type: application/json\r\n"
                        "User-Agent: OpenAI/Python 1.99.1\r\nX-Stainless-Retry-Count: 1\r\n"
                        "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  std::string sse = read_fixture("openai_chat_stream.sse");
  std::string response = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
                         "Transfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n"
                         "x-ratelimit-remaining-requests: 499\r\n\r\n" + chunked(gzip(sse), 300);
  // Two calls on one keep-alive connection, the response in 1000-byte captures.
  uint64_t ts = 1000;
  for (int call = 0; call < 2; ++call) {
    http.on_bytes(conn, Direction::kEgress, ts++, bytes(request));
    for (size_t at = 0; at < response.size(); at += 1000)
      http.on_bytes(conn, Direction::kIngress, ts++, bytes(std::string_view(response).substr(at, 1000)));
  }
  http.on_close(conn, CloseReason::kClosed, ts++);

  REQUIRE(sink.calls.size() == 2);
  for (const LlmCall& c : sink.calls) {
    CHECK(c.provider == "openai");
    CHECK(c.request_model == "gpt-4o-mini");
    CHECK(c.retry_count == 1);
    CHECK(c.ratelimit_remaining_requests == 499);
    CHECK(c.input_tokens == 1250);
    CHECK(c.output_tokens == 48);
    CHECK(c.tool_calls.size() == 2);
    CHECK(c.response_body_bytes == sse.size());  // decoded bytes
    CHECK_FALSE(c.incomplete);
    CHECK(c.first_chunk_ns > c.request_end_ns);
    CHECK(c.cost_usd);
  }
  CHECK(llm.stats().llm_calls == 2);
  CHECK(llm.live_exchanges() == 0);
}
