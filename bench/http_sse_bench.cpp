// Throughput of the http stage on uncompressed chunked SSE responses, the path every streamed LLM
// reply takes: HttpStage (head parsing, de-chunking, pairing) feeding an SseParser per response.
// Usage: bench_http_sse [total_MiB=1024]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

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

}  // namespace

int main(int argc, char** argv) {
  size_t total_mib = argc > 1 ? size_t(std::atoi(argv[1])) : 1024;
  std::string request;
  size_t events_per_response = 0;
  const std::string response = exchange_bytes(4u << 20, request, events_per_response);
  const size_t rounds = std::max<size_t>(1, (total_mib << 20) / response.size());
  const size_t piece = 16384;  // a typical SSL_read size

  SseCountingSink sink;
  HttpStage stage(sink);
  ConnMeta meta;
  meta.key = ConnKey{1, Transport::kTls, 0x1234, 1};
  auto start = std::chrono::steady_clock::now();
  uint64_t ts = 0;
  for (size_t r = 0; r < rounds; ++r) {
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
  std::printf("http_sse_bench: %zu responses, %.0f MiB of chunked SSE, %llu events in %.3f s: %.2f GB/s (%.1f M events/s)\n",
              rounds, bytes / (1 << 20), (unsigned long long)sink.events, secs, bytes / secs / 1e9,
              double(sink.events) / secs / 1e6);
  if (sink.events != rounds * events_per_response || sink.exchanges != rounds || sink.bad_ends != 0) {
    std::printf("MISMATCH: events %llu expected %zu, exchanges %llu, bad ends %llu\n",
                (unsigned long long)sink.events, rounds * events_per_response, (unsigned long long)sink.exchanges,
                (unsigned long long)sink.bad_ends);
    return 1;
  }
  return 0;
}
