// The http stage: a StreamSink that turns the ordered bytes of each connection into HTTP/1.1
// request/response exchanges for an ExchangeSink. Bodies are de-chunked and content-decoded,
// secrets are removed from heads, and everything that cannot be parsed is counted in HttpStats.
#pragma once

#include <memory>
#include <unordered_map>

#include "common/connection.h"
#include "http/exchange_sink.h"
#include "http/http_connection.h"
#include "http/http_limits.h"
#include "http/http_stats.h"
#include "stream/stream_sink.h"

namespace agentprof {

class HttpStage final : public StreamSink {
 public:
  explicit HttpStage(ExchangeSink& sink, HttpLimits limits = {});
  ~HttpStage() override;
  HttpStage(const HttpStage&) = delete;
  HttpStage& operator=(const HttpStage&) = delete;

  void on_bytes(const ConnMeta& conn, Direction dir, uint64_t ts_ns, std::span<const uint8_t> bytes) override;
  void on_gap(const ConnMeta& conn, Direction dir, uint64_t missing_bytes) override;
  void on_close(const ConnMeta& conn, CloseReason reason, uint64_t ts_ns) override;

  const HttpStats& stats() const { return stats_; }
  const HttpLimits& limits() const { return limits_; }

 private:
  HttpConnection& connection(const ConnKey& key);

  ExchangeSink& sink_;
  const HttpLimits limits_;
  HttpStats stats_;
  std::unordered_map<ConnKey, std::unique_ptr<HttpConnection>, ConnKeyHash> conns_;
};

}  // namespace agentprof
