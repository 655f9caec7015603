// Throughput of the http stage on uncompressed SSE responses, the path every streamed LLM reply
// takes: HttpStage (head parsing, de-chunking or HTTP/2 frames and HPACK, pairing) feeding an
// SseParser per response.
// Usage: bench_http_sse [total_MiB=1024] [--http2]
//   HTTP/1.1: chunked responses, one event per chunk. HTTP/2: one connection, one stream per call,
//   one DATA frame per event (as servers flush them), header blocks from nghttp2's encoder.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <cstring>

#include <nghttp2/nghttp2.h>

#include "http/http_stage.h"
#include "http/sse_parser.h"

using namespace agentprof;

namespace {

// Hands response bodies to an SSE parser, the way the llm stage consumes them.
class SseCountingSink final : public ExchangeSink {
 public:
  SseCountingSink()
      : parser_([this](std::string_view, std::string_view data, std::string_view) {
          ++events;
          data_bytes += data.size();
        }) {}
  void on_request_head(ExchangeId, const ConnMeta&, const HttpRequestHead&, uint64_t) override {}
  void on_request_body(ExchangeId, std::span<const uint8_t>, uint64_t) override {}
  void on_request_end(ExchangeId, BodyEnd, uint64_t) override {}
  void on_response_head(ExchangeId, const HttpResponseHead&, uint64_t) override {}
  void on_response_body(ExchangeId, std::span<const uint8_t> d, uint64_t) override { parser_.feed(d); }
  void on_response_end(ExchangeId, BodyEnd end, uint64_t) override {
    if (end != BodyEnd::kComplete) ++bad_ends;
    parser_.finish(true);
  }
  void on_exchange_done(ExchangeId, const ConnMeta&, uint64_t) override { ++exchanges; }

  uint64_t events = 0, data_bytes = 0, exchanges = 0, bad_ends = 0;

 private:
  SseParser parser_;
};

// One request and its chunked SSE response of about `body_bytes`, one event per chunk as
// streaming servers flush them.
std::string exchange_bytes(size_t body_bytes, std::string& request, size_t& events) {
  const std::string req_body = R"({"model":"gpt-4o","stream":true,"messages":[]})";
  request = "POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\nContent-Type: application/json\r\n"
            "Content-Length: " + std::to_string(req_body.size()) + "\r\n\r\n" + req_body;
  std::string resp =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nTransfer-Encoding: chunked\r\n"
      "x-request-id: req_123\r\n\r\n";
  size_t body = 0;
  events = 0;
  char size[32];
  while (body < body_bytes) {
    std::string ev = "data: {\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\","
                     "\"created\":1741569952,\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"delta\":"
                     "{\"content\":\"token" + std::to_string(events) + "\"},\"finish_reason\":null}]}\n\n";
    snprintf(size, sizeof size, "%zx\r\n", ev.size());
    resp += size;
    resp += ev;
    resp += "\r\n";
    body += ev.size();
    ++events;
  }
  resp += "0\r\n\r\n";
  return resp;
}

std::string frame(uint8_t type, uint8_t flags, uint32_t stream, const std::string& payload) {
  std::string f = {char(payload.size() >> 16), char(payload.size() >> 8), char(payload.size()), char(type),
                   char(flags), char(stream >> 24), char(stream >> 16), char(stream >> 8), char(stream)};
  return f + payload;
}

std::string hpack(nghttp2_hd_deflater* deflater, const std::vector<std::pair<std::string, std::string>>& fields) {
  std::vector<nghttp2_nv> nva;
  for (auto& [n, v] : fields)
    nva.push_back({(uint8_t*)n.data(), (uint8_t*)v.data(), n.size(), v.size(), NGHTTP2_NV_FLAG_NONE});
  std::string out(nghttp2_hd_deflate_bound(deflater, nva.data(), nva.size()), '\0');
  ssize_t n = nghttp2_hd_deflate_hd(deflater, (uint8_t*)out.data(), out.size(), nva.data(), nva.size());
  out.resize(n < 0 ? 0 : size_t(n));
  return out;
}

// The same call over HTTP/2 on stream `stream`: the HTTP/1 response's events, one DATA frame each.
std::string h2_exchange_bytes(const std::string& http1_response, uint32_t stream, nghttp2_hd_deflater* client,
                              nghttp2_hd_deflater* server, std::string& request) {
  const std::string req_body = R"({"model":"gpt-4o","stream":true,"messages":[]})";
  request = frame(1, 4, stream, hpack(client, {{":method", "POST"}, {":scheme", "https"},
                                               {":authority", "api.openai.com"}, {":path", "/v1/chat/completions"},
                                               {"content-type", "application/json"}})) +
            frame(0, 1, stream, req_body);
  std::string resp = frame(1, 4, stream, hpack(server, {{":status", "200"}, {"content-type", "text/event-stream"},
                                                        {"x-request-id", "req_123"}}));
  // Reuse the HTTP/1 body's events: each chunk's payload becomes one DATA frame.
  size_t at = http1_response.find("\r\n\r\n") + 4;
  while (true) {
    size_t eol = http1_response.find("\r\n", at);
    size_t len = std::strtoul(http1_response.c_str() + at, nullptr, 16);
    if (len == 0) break;
    resp += frame(0, 0, stream, http1_response.substr(eol + 2, len));
    at = eol + 2 + len + 2;
  }
  return resp + frame(0, 1, stream, "");
}

}  // namespace

int main(int argc, char** argv) {
  size_t total_mib = argc > 1 && argv[1][0] != '-' ? size_t(std::atoi(argv[1])) : 1024;
  bool http2 = false;
  for (int i = 1; i < argc; i++) http2 |= std::strcmp(argv[i], "--http2") == 0;
  std::string request;
  size_t events_per_response = 0;
  std::string response = exchange_bytes(4u << 20, request, events_per_response);
  nghttp2_hd_deflater *client = nullptr, *server = nullptr;
  std::string preface;
  if (http2) {
    nghttp2_hd_deflate_new(&client, 4096);
    nghttp2_hd_deflate_new(&server, 4096);
    preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0, "");
  }
  const size_t rounds = std::max<size_t>(1, (total_mib << 20) / response.size());
  const size_t piece = 16384;  // a typical SSL_read size

  SseCountingSink sink;
  HttpStage stage(sink);
  ConnMeta meta;
  meta.key = ConnKey{1, Transport::kTls, 0x1234, 1};
  // HTTP/2 streams are built ahead (the encoders' work is not the stage's): one per round.
  std::vector<std::string> h2_requests, h2_responses;
  for (size_t r = 0; http2 && r < rounds; ++r) {
    std::string req;
    h2_responses.push_back(h2_exchange_bytes(response, uint32_t(1 + 2 * r), client, server, req));
    h2_requests.push_back((r == 0 ? preface : "") + req);
  }
  auto start = std::chrono::steady_clock::now();
  uint64_t ts = 0;
  for (size_t r = 0; r < rounds; ++r) {
    if (http2) {
      request = std::move(h2_requests[r]);
      response = std::move(h2_responses[r]);
    }
    stage.on_bytes(meta, Direction::kEgress, ++ts,
                   std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(request.data()), request.size()));
    for (size_t i = 0; i < response.size(); i += piece) {
      size_t n = std::min(piece, response.size() - i);
      stage.on_bytes(meta, Direction::kIngress, ++ts,
                     std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(response.data() + i), n));
    }
  }
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double bytes = double(rounds) * double(response.size());
  std::printf("http_sse_bench: %zu responses, %.0f MiB of %s SSE, %llu events in %.3f s: %.2f GB/s (%.1f M events/s)\n",
              rounds, bytes / (1 << 20), http2 ? "HTTP/2 framed" : "chunked", (unsigned long long)sink.events, secs, bytes / secs / 1e9,
              double(sink.events) / secs / 1e6);
  if (sink.events != rounds * events_per_response || sink.exchanges != rounds || sink.bad_ends != 0) {
    std::printf("MISMATCH: events %llu expected %zu, exchanges %llu, bad ends %llu\n",
                (unsigned long long)sink.events, rounds * events_per_response, (unsigned long long)sink.exchanges,
                (unsigned long long)sink.bad_ends);
    return 1;
  }
  return 0;
}
