// An ExchangeSink that records what it receives, checks the call order of the contract, and
// renders it as a flat log (ids replaced by their order of appearance, body pieces merged) so that
// runs fed with different input splits can be compared.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "http/exchange_sink.h"

namespace agentprof::test {

struct RecordedExchange {
  ExchangeId id = 0;
  HttpRequestHead request;
  uint64_t request_ts = 0;
  std::string request_body;
  std::optional<BodyEnd> request_end;
  uint64_t request_end_ts = 0;
  std::optional<HttpResponseHead> response;
  uint64_t response_ts = 0;
  std::string response_body;
  std::vector<uint64_t> response_body_ts;
  std::optional<BodyEnd> response_end;
  uint64_t response_end_ts = 0;
  bool done = false;
  uint64_t done_ts = 0;
};

class RecordingExchangeSink final : public ExchangeSink {
 public:
  void on_request_head(ExchangeId id, const ConnMeta& conn, const HttpRequestHead& head, uint64_t ts_ns) override;
  void on_request_body(ExchangeId id, std::span<const uint8_t> decoded, uint64_t ts_ns) override;
  void on_request_end(ExchangeId id, BodyEnd end, uint64_t ts_ns) override;
  void on_response_head(ExchangeId id, const HttpResponseHead& head, uint64_t ts_ns) override;
  void on_response_body(ExchangeId id, std::span<const uint8_t> decoded, uint64_t ts_ns) override;
  void on_response_end(ExchangeId id, BodyEnd end, uint64_t ts_ns) override;
  void on_exchange_done(ExchangeId id, const ConnMeta& conn, uint64_t ts_ns) override;

  std::vector<RecordedExchange> exchanges;  // in order of first appearance
  std::vector<std::string> log;
  std::vector<std::string> violations;      // calls breaking the ExchangeSink contract
  std::string everything;                   // all text received (heads and bodies), for secret checks

 private:
  RecordedExchange* find(ExchangeId id, const char* call);
  void add_log(const std::string& entry, bool mergeable_body);
  std::map<ExchangeId, size_t> index_;
};

}  // namespace agentprof::test
