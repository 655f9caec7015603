#include "llm_test_harness.h"

#include <catch2/catch.hpp>

#include <zlib.h>

#include <fstream>
#include <sstream>

namespace agentprof::test {

std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(AGENTPROF_FIXTURES_DIR) + "/llm/" + name, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

ConnMeta test_conn(uint16_t remote_port) {
  ConnMeta c;
  c.key.tgid = 4242;
  c.key.id = 0x7f00aa;
  c.tid = 4243;
  c.comm = "python3";
  c.role = Role::kClient;
  c.remote.address = "203.0.113.7";
  c.remote.port = remote_port;
  return c;
}

static std::span<const uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::vector<LlmCall> run(LlmStage& stage, CollectingSink& sink, const Exchange& ex, ExchangeId id) {
  size_t before = sink.calls.size();
  ConnMeta conn = test_conn();
  for (const auto& h : ex.request_headers)
    if (h.name == "host" && h.value.find(":11434") != std::string::npos) conn.remote.port = 11434;
  HttpRequestHead req;
  req.method = ex.method;
  req.target = ex.target;
  req.version = "HTTP/1.1";
  req.headers.items = ex.request_headers;
  stage.on_request_head(id, conn, req, kRequestStart);
  // The request body in two pieces, as a real capture would.
  std::string_view body = ex.request_body;
  size_t half = body.size() / 2;
  if (!body.empty()) {
    stage.on_request_body(id, bytes(body.substr(0, half)), kRequestStart + 1);
    stage.on_request_body(id, bytes(body.substr(half)), kRequestStart + 2);
  }
  stage.on_request_end(id, BodyEnd::kComplete, kRequestEnd);
  uint64_t ts = kFirstPiece;
  if (ex.has_response) {
    HttpResponseHead resp;
    resp.status = ex.status;
    resp.version = "HTTP/1.1";
    resp.headers.items = ex.response_headers;
    stage.on_response_head(id, resp, kResponseStart);
    std::vector<size_t> cuts = ex.splits;
    if (cuts.empty())
      for (size_t at = ex.piece_size; at < ex.response_body.size(); at += ex.piece_size) cuts.push_back(at);
    cuts.push_back(ex.response_body.size());
    size_t from = 0;
    std::string_view rb = ex.response_body;
    for (size_t cut : cuts) {
      if (cut <= from || cut > rb.size()) continue;
      stage.on_response_body(id, bytes(rb.substr(from, cut - from)), ts);
      ts += kPieceStep;
      from = cut;
    }
    stage.on_response_end(id, ex.response_end, ts);
  }
  stage.on_exchange_done(id, conn, ts + 1);
  return {sink.calls.begin() + long(before), sink.calls.end()};
}

LlmCall run_one(const Exchange& ex, LlmStageOptions options) {
  static PriceTable prices = [] {
    PriceTable p;
    std::string error;
    REQUIRE(p.load_defaults(error));
    return p;
  }();
  CollectingSink sink;
  LlmStage stage(sink, prices, options);
  auto calls = run(stage, sink, ex);
  REQUIRE(calls.size() == 1);
  CHECK(stage.live_exchanges() == 0);
  CHECK(stage.buffered_bytes() == 0);
  return std::move(calls[0]);
}

std::string sse_content_type() { return "text/event-stream; charset=utf-8"; }

Exchange sse_exchange(std::string host, std::string target, std::string request, std::string response) {
  Exchange ex;
  ex.target = std::move(target);
  ex.request_headers = {{"host", std::move(host)}, {"content-type", "application/json"}};
  ex.request_body = std::move(request);
  ex.response_headers = {{"content-type", sse_content_type()}, {"transfer-encoding", "chunked"}};
  ex.response_body = std::move(response);
  return ex;
}

Exchange json_exchange(std::string host, std::string target, std::string request, std::string response,
                       int status) {
  Exchange ex;
  ex.target = std::move(target);
  ex.request_headers = {{"host", std::move(host)}, {"content-type", "application/json"}};
  ex.request_body = std::move(request);
  ex.status = status;
  ex.response_headers = {{"content-type", "application/json"},
                         {"content-length", std::to_string(response.size())}};
  ex.response_body = std::move(response);
  return ex;
}

static void put32(std::string& s, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s.push_back(char((v >> shift) & 0xFF));
}

static uint32_t zcrc(std::string_view s) {
  return uint32_t(crc32(0L, reinterpret_cast<const Bytef*>(s.data()), uInt(s.size())));
}

static std::string base64(std::string_view in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8 | uint8_t(in[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out.push_back(kAlphabet[(v >> k) & 63]);
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16;
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8;
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

std::string aws_message(const std::vector<std::pair<std::string, std::string>>& string_headers,
                        const std::string& payload) {
  std::string headers;
  for (const auto& [name, value] : string_headers) {
    headers.push_back(char(name.size()));
    headers += name;
    headers.push_back(7);  // string
    headers.push_back(char(value.size() >> 8));
    headers.push_back(char(value.size() & 0xFF));
    headers += value;
  }
  std::string m;
  put32(m, uint32_t(12 + headers.size() + payload.size() + 4));
  put32(m, uint32_t(headers.size()));
  put32(m, zcrc(m));
  m += headers;
  m += payload;
  put32(m, zcrc(m));
  return m;
}

std::string aws_eventstream_from_sse(const std::string& sse) {
  std::string out;
  std::istringstream lines(sse);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.starts_with("data: ")) continue;
    std::string payload = R"({"bytes":")" + base64(line.substr(6)) + R"(","p":"abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"})";
    out += aws_message({{":event-type", "chunk"}, {":content-type", "application/json"}, {":message-type", "event"}},
                       payload);
  }
  return out;
}

}  // namespace agentprof::test
