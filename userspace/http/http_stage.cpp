#include "http/http_stage.h"

namespace agentprof {

HttpStage::HttpStage(ExchangeSink& sink, HttpLimits limits) : sink_(sink), limits_(limits) {}

HttpStage::~HttpStage() = default;

HttpConnection& HttpStage::connection(const ConnKey& key) {
  auto [it, inserted] = conns_.try_emplace(key);
  if (inserted) {
    it->second = std::make_unique<HttpConnection>(sink_, limits_, stats_);
    stats_.open_connections = conns_.size();
  }
  return *it->second;
}

void HttpStage::on_bytes(const ConnMeta& conn, Direction dir, uint64_t ts_ns, std::span<const uint8_t> bytes) {
  if (bytes.empty()) return;
  connection(conn.key).on_bytes(conn, dir, ts_ns, bytes);
}

void HttpStage::on_gap(const ConnMeta& conn, Direction dir, uint64_t /*missing_bytes*/) {
  connection(conn.key).on_gap(conn, dir);
}

void HttpStage::on_close(const ConnMeta& conn, CloseReason /*reason*/, uint64_t ts_ns) {
  auto it = conns_.find(conn.key);
  if (it == conns_.end()) return;
  std::unique_ptr<HttpConnection> c = std::move(it->second);
  conns_.erase(it);
  stats_.open_connections = conns_.size();
  c->on_close(conn, ts_ns);
}

}  // namespace agentprof
