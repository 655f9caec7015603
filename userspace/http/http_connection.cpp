#include "http/http_connection.h"

#include "http/exchange_id.h"

namespace agentprof {
namespace {

size_t index_of(Direction d) { return d == Direction::kEgress ? 0 : 1; }
Direction other(Direction d) { return d == Direction::kEgress ? Direction::kIngress : Direction::kEgress; }

constexpr uint8_t kTlsHandshakeRecord = 0x16;

}  // namespace

HttpConnection::HttpConnection(ExchangeSink& sink, const HttpLimits& limits, HttpStats& stats)
    : sink_(sink), limits_(limits), stats_(stats) {}

HttpConnection::~HttpConnection() = default;

void HttpConnection::on_bytes(const ConnMeta& meta, Direction dir, uint64_t ts_ns,
                              std::span<const uint8_t> bytes) {
  if (mode_ == Mode::kIgnored) {
    // Parsers cannot be freed from inside their own callbacks (upgrade): free them here.
    if (request_parser_) release_parsers();
    return;
  }
  if (mode_ == Mode::kHttp2) {
    h2_->on_bytes(meta, dir, ts_ns, bytes);
    return;
  }
  meta_ = &meta;
  last_ts_ = ts_ns;
  if (mode_ == Mode::kSniffing)
    sniff(dir, ts_ns, bytes);
  else
    parser_for(dir).feed(bytes, ts_ns);
  meta_ = nullptr;
}

void HttpConnection::sniff(Direction dir, uint64_t ts_ns, std::span<const uint8_t> bytes) {
  size_t d = index_of(dir);
  if (sniffed_bytes_[d] == 0 && !sniff_gap_[d] && !bytes.empty() && bytes[0] == kTlsHandshakeRecord) {
    // TLS seen in plaintext capture (a socket carrying TLS): never HTTP/1 text.
    ++stats_.connections_not_http;
    ignore();
    return;
  }
  StartLineScanner& scanner = sniffers_[d];
  scanner.at_chunk_start();
  StartLineScanner::Result r = scanner.scan(bytes, kWantRequest | kWantResponse | kWantHttp2);
  sniffed_bytes_[d] += bytes.size();
  switch (r.found) {
    case StartLine::kNone:
      if (sniffed_bytes_[d] > limits_.max_sniff_bytes) {
        ++stats_.connections_not_http;
        ignore();
        return;
      }
      if (sniffed_raw_[d].size() + bytes.size() <= limits_.max_sniff_bytes)
        sniffed_raw_[d].insert(sniffed_raw_[d].end(), bytes.begin(), bytes.end());
      return;
    case StartLine::kHttp2Preface: {
      std::string held(scanner.held());
      std::vector<uint8_t> from_preface(held.begin(), held.end());
      from_preface.insert(from_preface.end(), bytes.begin() + r.resume, bytes.end());
      start_http2(dir, from_preface, ts_ns);
      return;
    }
    case StartLine::kRequest:
      start_http(dir, dir);
      break;
    case StartLine::kResponse:
      start_http(other(dir), dir);
      break;
  }
  // The start line may have begun in an earlier chunk: those bytes are held by the scanner.
  std::string held(scanner.held());
  scanner.reset(true);
  MessageParser& parser = parser_for(dir);
  if (!held.empty())
    parser.feed(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(held.data()), held.size()), ts_ns);
  parser.feed(bytes.subspan(r.resume), ts_ns);
}

void HttpConnection::start_http(Direction request_dir, Direction deciding_dir) {
  mode_ = Mode::kHttp;
  request_dir_ = request_dir;
  MessageHandler& handler = *this;
  request_parser_ = std::make_unique<MessageParser>(MessageKind::kRequest, limits_, stats_, handler);
  response_parser_ = std::make_unique<MessageParser>(MessageKind::kResponse, limits_, stats_, handler);
  // The other direction may already have shown bytes that held no start line (we attached in the
  // middle of a message): it continues looking for one rather than parsing from an arbitrary byte.
  Direction d = other(deciding_dir);
  if (sniffed_bytes_[index_of(d)] > 0 || sniff_gap_[index_of(d)]) parser_for(d).resync_from(sniffers_[index_of(d)]);
  sniffers_[index_of(d)].reset(true);
}

void HttpConnection::start_http2(Direction client_dir, std::span<const uint8_t> from_preface, uint64_t ts_ns) {
  ++stats_.http2_connections;
  mode_ = Mode::kHttp2;
  h2_ = std::make_unique<H2Connection>(sink_, limits_, stats_, client_dir);
  // What the server sent before the preface was seen (its SETTINGS), then the client from the
  // preface on. Bytes before the preface (attached mid-connection) cannot be decoded: HPACK state.
  Direction server_dir = other(client_dir);
  std::vector<uint8_t> early = std::move(sniffed_raw_[index_of(server_dir)]);
  bool server_complete = !sniff_gap_[index_of(server_dir)] && sniffed_bytes_[index_of(server_dir)] == early.size();
  for (auto& raw : sniffed_raw_) raw = {};
  for (auto& s : sniffers_) s.reset(true);
  if (!early.empty() && server_complete) h2_->on_bytes(*meta_, server_dir, ts_ns, early);
  else if (sniffed_bytes_[index_of(server_dir)] > 0 || sniff_gap_[index_of(server_dir)]) h2_->on_gap(*meta_, server_dir);
  h2_->on_bytes(*meta_, client_dir, ts_ns, from_preface);
}

void HttpConnection::ignore() {
  mode_ = Mode::kIgnored;
  for (auto& s : sniffers_) s.reset(true);
  for (auto& raw : sniffed_raw_) raw = {};
}

void HttpConnection::release_parsers() {
  request_parser_.reset();
  response_parser_.reset();
}

void HttpConnection::on_gap(const ConnMeta& meta, Direction dir) {
  if (mode_ == Mode::kIgnored) return;
  ++stats_.gaps;
  if (mode_ == Mode::kHttp2) {
    h2_->on_gap(meta, dir);
    return;
  }
  if (mode_ == Mode::kSniffing) {
    sniffers_[index_of(dir)].reset(true);
    // The kept bytes no longer join up with what follows.
    sniffed_raw_[index_of(dir)] = {};
    sniff_gap_[index_of(dir)] = true;
    return;
  }
  meta_ = &meta;
  GapEffect effect = parser_for(dir).on_gap();
  // A response head lost in the hole: the oldest waiting exchange will never see its response.
  // (A cut response body already finished its exchange through on_message_end.)
  if (dir != request_dir_ && effect != GapEffect::kBodyCut && !open_.empty() && open_.front().request_ended)
    finish_front(last_ts_);
  meta_ = nullptr;
}

void HttpConnection::on_close(const ConnMeta& meta, uint64_t ts_ns) {
  if (mode_ == Mode::kHttp2) {
    h2_->on_close(meta, ts_ns);
    mode_ = Mode::kIgnored;
    return;
  }
  meta_ = &meta;
  if (mode_ == Mode::kHttp) {
    // Response first: its end finishes the exchange whose request is already complete.
    response_parser_->on_close(ts_ns);
    request_parser_->on_close(ts_ns);
  }
  while (!open_.empty()) {
    OpenExchange& ex = open_.front();
    if (!ex.request_ended) {
      // Only reachable when the request parser was already stopped (upgrade): end it explicitly.
      ex.request_ended = true;
      sink_.on_request_end(ex.id, BodyEnd::kClosed, ts_ns);
    }
    finish_front(ts_ns);
  }
  release_parsers();
  mode_ = Mode::kIgnored;
  meta_ = nullptr;
}

void HttpConnection::finish_front(uint64_t ts_ns) {
  ExchangeId id = open_.front().id;
  open_.pop_front();
  ++stats_.exchanges_done;
  sink_.on_exchange_done(id, *meta_, ts_ns);
}

HeadVerdict HttpConnection::on_request_head(HttpRequestHead&& head, uint64_t ts_ns) {
  ++stats_.requests;
  if (open_.size() >= limits_.max_open_exchanges) {
    // Too many requests without answers: this one is followed but not tracked. Counted, since the
    // pairing of the responses still to come may be off by one from here on.
    ++stats_.dropped_exchanges;
    HeadVerdict v;
    v.deliver = false;
    return v;
  }
  OpenExchange ex;
  ex.id = allocate_exchange_id();
  ex.head_request = head.method == "HEAD";
  ex.connect_request = head.method == "CONNECT";
  open_.push_back(ex);
  sink_.on_request_head(ex.id, *meta_, head, ts_ns);
  return {};
}

HeadVerdict HttpConnection::on_response_head(HttpResponseHead&& head, uint64_t ts_ns) {
  ++stats_.responses;
  HeadVerdict v;
  if (open_.empty()) {
    ++stats_.unmatched_responses;
    v.deliver = false;
    return v;
  }
  OpenExchange& ex = open_.front();
  if (!ex.request_ended) {
    // A final answer before the request finished (e.g. 413): the exchange contract wants the
    // request ended first, so the rest of the request body is not handed on.
    ++stats_.early_responses;
    request_parser_->stop_delivering();
    ex.request_ended = true;
    sink_.on_request_end(ex.id, BodyEnd::kTruncated, ts_ns);
  }
  ex.response_started = true;
  bool tunnel = ex.connect_request && head.status >= 200 && head.status < 300;
  v.no_body = ex.head_request || tunnel;
  v.stop_after = tunnel || head.status == 101;
  ex.upgrade = v.stop_after;
  sink_.on_response_head(ex.id, head, ts_ns);
  return v;
}

void HttpConnection::on_body(MessageKind kind, std::span<const uint8_t> decoded, uint64_t ts_ns) {
  if (open_.empty()) return;
  if (kind == MessageKind::kRequest) {
    const OpenExchange& ex = open_.back();
    if (!ex.request_ended) sink_.on_request_body(ex.id, decoded, ts_ns);
  } else if (open_.front().response_started) {
    sink_.on_response_body(open_.front().id, decoded, ts_ns);
  }
}

void HttpConnection::on_message_end(MessageKind kind, BodyEnd end, uint64_t ts_ns) {
  if (open_.empty()) return;
  if (kind == MessageKind::kRequest) {
    OpenExchange& ex = open_.back();
    if (ex.request_ended) return;
    ex.request_ended = true;
    sink_.on_request_end(ex.id, end, ts_ns);
    return;
  }
  OpenExchange& ex = open_.front();
  if (!ex.response_started) return;
  bool upgrade = ex.upgrade;
  sink_.on_response_end(ex.id, end, ts_ns);
  finish_front(ts_ns);
  if (upgrade) {
    // After 101 or a CONNECT tunnel the bytes are another protocol. The parsers are in the middle
    // of a call here: they are freed on the next call.
    ++stats_.upgraded_connections;
    mode_ = Mode::kIgnored;
  }
}

}  // namespace agentprof
