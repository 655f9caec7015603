// What the http stage hands to the llm stage: request/response exchanges, incrementally.
#pragma once

#include <cstdint>
#include <span>

#include "common/connection.h"
#include "http/http_message.h"

namespace agentprof {

using ExchangeId = uint64_t;

// Calls for one exchange arrive in this order: on_request_head, on_request_body*, on_request_end,
// then (if a response is seen) on_response_head, on_response_body*, on_response_end; finally
// exactly one on_exchange_done. Bodies are de-chunked and content-decoded (gzip, deflate, br, zstd).
// Timestamps are CLOCK_MONOTONIC ns of the capture chunk holding the relevant byte.
class ExchangeSink {
 public:
  virtual ~ExchangeSink() = default;
  // ts_ns: first byte of the request.
  virtual void on_request_head(ExchangeId id, const ConnMeta& conn, const HttpRequestHead& head,
                               uint64_t ts_ns) = 0;
  virtual void on_request_body(ExchangeId id, std::span<const uint8_t> decoded, uint64_t ts_ns) = 0;
  // ts_ns: last byte of the request.
  virtual void on_request_end(ExchangeId id, BodyEnd end, uint64_t ts_ns) = 0;
  // The final (non-1xx) response head. ts_ns: first byte of the response.
  virtual void on_response_head(ExchangeId id, const HttpResponseHead& head, uint64_t ts_ns) = 0;
  // ts_ns: capture time of the chunk these body bytes arrived in.
  virtual void on_response_body(ExchangeId id, std::span<const uint8_t> decoded, uint64_t ts_ns) = 0;
  // ts_ns: last byte of the response.
  virtual void on_response_end(ExchangeId id, BodyEnd end, uint64_t ts_ns) = 0;
  // The exchange is over: after on_response_end, or early when the connection closed, a gap hit,
  // or the process exited before a complete response. `conn` is the freshest metadata.
  virtual void on_exchange_done(ExchangeId id, const ConnMeta& conn, uint64_t ts_ns) = 0;
};

}  // namespace agentprof
