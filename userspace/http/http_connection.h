// One connection seen by the http stage: decides which direction carries requests, runs one
// MessageParser per direction and pairs requests with responses in order (keep-alive, pipelining).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <span>

#include "common/connection.h"
#include "http/exchange_sink.h"
#include "http/h2_connection.h"
#include "http/http_limits.h"
#include "http/http_stats.h"
#include "http/message_parser.h"
#include "http/start_line_scanner.h"

namespace agentprof {

class HttpConnection final : private MessageHandler {
 public:
  HttpConnection(ExchangeSink& sink, const HttpLimits& limits, HttpStats& stats);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  void on_bytes(const ConnMeta& meta, Direction dir, uint64_t ts_ns, std::span<const uint8_t> bytes);
  void on_gap(const ConnMeta& meta, Direction dir);
  // Ends bodies in progress (kClosed) and finishes every open exchange.
  void on_close(const ConnMeta& meta, uint64_t ts_ns);

  // Neither HTTP/1 nor HTTP/2 (or no longer: upgraded): further bytes are dropped at once.
  bool ignored() const { return mode_ == Mode::kIgnored || (mode_ == Mode::kHttp2 && h2_->stopped()); }

 private:
  enum class Mode : uint8_t { kSniffing, kHttp, kHttp2, kIgnored };

  struct OpenExchange {
    ExchangeId id = 0;
    bool head_request = false;     // HEAD: the response has no body
    bool connect_request = false;  // CONNECT: a 2xx answer starts a tunnel
    bool request_ended = false;
    bool response_started = false;
    bool upgrade = false;          // 101 or tunnel: the connection stops being HTTP/1 after it
  };

  void sniff(Direction dir, uint64_t ts_ns, std::span<const uint8_t> bytes);
  void start_http(Direction request_dir, Direction deciding_dir);
  void start_http2(Direction client_dir, std::span<const uint8_t> from_preface, uint64_t ts_ns);
  void ignore();
  void release_parsers();
  void finish_front(uint64_t ts_ns);
  MessageParser& parser_for(Direction dir) {
    return dir == request_dir_ ? *request_parser_ : *response_parser_;
  }

  HeadVerdict on_request_head(HttpRequestHead&& head, uint64_t ts_ns) override;
  HeadVerdict on_response_head(HttpResponseHead&& head, uint64_t ts_ns) override;
  void on_body(MessageKind kind, std::span<const uint8_t> decoded, uint64_t ts_ns) override;
  void on_message_end(MessageKind kind, BodyEnd end, uint64_t ts_ns) override;

  ExchangeSink& sink_;
  const HttpLimits& limits_;
  HttpStats& stats_;
  const ConnMeta* meta_ = nullptr;  // metadata of the StreamSink call being handled
  uint64_t last_ts_ = 0;            // capture time of the latest bytes (gaps carry none)

  Mode mode_ = Mode::kSniffing;
  Direction request_dir_ = Direction::kEgress;
  std::unique_ptr<MessageParser> request_parser_;
  std::unique_ptr<MessageParser> response_parser_;
  std::deque<OpenExchange> open_;  // requests seen, response not finished, oldest first

  // Before the request direction is known: per direction, bytes scanned for a start line, and the
  // bytes themselves (up to max_sniff_bytes): an HTTP/2 server may speak first (its SETTINGS), and
  // those frames are needed once the client's preface shows the connection is HTTP/2.
  StartLineScanner sniffers_[2];
  uint64_t sniffed_bytes_[2] = {0, 0};
  bool sniff_gap_[2] = {false, false};  // bytes were lost before the direction was classified
  std::vector<uint8_t> sniffed_raw_[2];
  std::unique_ptr<H2Connection> h2_;
};

}  // namespace agentprof
