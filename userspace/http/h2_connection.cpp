#include "http/h2_connection.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "http/exchange_id.h"
#include "http/secret_redaction.h"

namespace agentprof {

namespace {

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
// SETTINGS_MAX_FRAME_SIZE: 16 KiB until the receiver announces more, up to a 24-bit length. Bytes
// that are not HTTP/2 after all announce a longer frame and stop decoding instead of being buffered.
constexpr size_t kDefaultMaxFrame = 16384;
constexpr size_t kMaxFramePayload = (1u << 24) - 1;
// A header block split over CONTINUATION frames is collected whole before decoding.
constexpr size_t kMaxHeaderBlock = 1u << 20;
// Dynamic tables larger than this are refused (the decoder then fails, counted).
constexpr uint32_t kMaxHeaderTable = 1u << 20;

enum FrameType : uint8_t {
  kData = 0, kHeaders = 1, kRstStream = 3, kSettings = 4, kPushPromise = 5, kContinuation = 9
};
constexpr uint8_t kEndStream = 0x1, kAck = 0x1, kEndHeaders = 0x4, kPadded = 0x8, kPriority = 0x20;
constexpr uint16_t kSettingsHeaderTableSize = 1;
constexpr uint16_t kSettingsMaxFrameSize = 5;

// Removes the pad-length byte and the padding of a PADDED frame; false when they do not fit.
bool strip_padding(const H2Frame& f, std::span<const uint8_t>& payload) {
  payload = f.payload;
  if (!(f.flags & kPadded)) return true;
  if (payload.empty() || size_t(payload[0]) + 1 > payload.size()) return false;
  size_t pad = payload[0];
  payload = payload.subspan(1, payload.size() - 1 - pad);
  return true;
}

uint32_t read_u32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

int parse_status(const std::string& s) {
  if (s.size() != 3) return 0;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

H2Connection::H2Connection(ExchangeSink& sink, const HttpLimits& limits, HttpStats& stats, Direction client_dir)
    : sink_(sink), limits_(limits), stats_(stats), client_dir_(client_dir) {
  Direction server_dir = client_dir == Direction::kEgress ? Direction::kIngress : Direction::kEgress;
  client_ = std::make_unique<Side>(*this, client_dir, kDefaultMaxFrame);
  server_ = std::make_unique<Side>(*this, server_dir, kDefaultMaxFrame);
  client_->preface_left = kPreface.size();
}

H2Connection::~H2Connection() = default;

void H2Connection::on_bytes(const ConnMeta& meta, Direction dir, uint64_t ts_ns, std::span<const uint8_t> bytes) {
  if (stopped_) return;
  meta_ = &meta;
  ts_ = ts_ns;
  Side& s = side(dir);
  if (s.preface_left > 0) {
    size_t at = kPreface.size() - s.preface_left;
    size_t n = std::min(s.preface_left, bytes.size());
    if (std::memcmp(bytes.data(), kPreface.data() + at, n) != 0) {
      ++stats_.h2_undecodable_connections;
      stop(BodyEnd::kMalformed);
    } else {
      s.preface_left -= n;
      bytes = bytes.subspan(n);
    }
  }
  if (!stopped_ && !s.reader.feed(bytes, s) && !stopped_) {
    // The reader refused a frame longer than the protocol allows: the byte stream is not HTTP/2.
    ++stats_.h2_undecodable_connections;
    stop(BodyEnd::kMalformed);
  }
  meta_ = nullptr;
}

void H2Connection::on_gap(const ConnMeta& meta, Direction) {
  if (stopped_) return;
  meta_ = &meta;
  // Frame boundaries and the HPACK table of that direction are lost with the bytes.
  ++stats_.h2_undecodable_connections;
  stop(BodyEnd::kGap);
  meta_ = nullptr;
}

void H2Connection::on_close(const ConnMeta& meta, uint64_t ts_ns) {
  meta_ = &meta;
  ts_ = ts_ns;
  while (!streams_.empty()) {
    Stream& s = streams_.begin()->second;
    if (s.response_started) sink_.on_response_end(s.id, BodyEnd::kClosed, ts_);
    finish(streams_.begin());
  }
  stopped_ = true;
  meta_ = nullptr;
}

void H2Connection::stop(BodyEnd end) {
  while (!streams_.empty()) {
    Stream& s = streams_.begin()->second;
    if (!s.request_ended) end_request(s, end);
    if (s.response_started) {
      if (end == BodyEnd::kGap) ++stats_.bodies_cut_by_gap;
      sink_.on_response_end(s.id, end, ts_);
    }
    finish(streams_.begin());
  }
  stopped_ = true;
}

bool H2Connection::on_frame(Direction dir, const H2Frame& f) {
  Side& s = side(dir);
  if (s.in_block && f.type != kContinuation) {
    ++stats_.h2_undecodable_connections;  // a header block must continue without interleaving
    stop(BodyEnd::kMalformed);
    return false;
  }
  std::span<const uint8_t> payload;
  switch (f.type) {
    case kData:
      if (!strip_padding(f, payload)) break;
      on_data(dir, f.stream_id, payload, f.flags & kEndStream);
      return !stopped_;
    case kHeaders: {
      if (!strip_padding(f, payload)) break;
      if (f.flags & kPriority) {
        if (payload.size() < 5) break;
        payload = payload.subspan(5);
      }
      return start_block(s, f, payload, f.flags & kEndStream);
    }
    case kPushPromise:
      if (!strip_padding(f, payload) || payload.size() < 4) break;
      return start_block(s, f, payload.subspan(4), false);
    case kContinuation:
      if (!s.in_block || f.stream_id != s.block_stream) break;
      if (s.block.size() + f.payload.size() > kMaxHeaderBlock) break;
      s.block.insert(s.block.end(), f.payload.begin(), f.payload.end());
      return (f.flags & kEndHeaders) ? finish_block(s) : true;
    case kSettings:
      if (!(f.flags & kAck)) on_settings(dir, f);
      return !stopped_;
    case kRstStream:
      reset_stream(f.stream_id);
      return true;
    default:
      return true;  // PRIORITY, PING, GOAWAY, WINDOW_UPDATE, extensions: nothing for the exchanges
  }
  ++stats_.h2_undecodable_connections;  // a frame whose layout does not fit its length
  stop(BodyEnd::kMalformed);
  return false;
}

bool H2Connection::start_block(Side& s, const H2Frame& f, std::span<const uint8_t> fragment, bool end_stream) {
  if (f.stream_id == 0 || fragment.size() > kMaxHeaderBlock) {
    ++stats_.h2_undecodable_connections;
    stop(BodyEnd::kMalformed);
    return false;
  }
  s.in_block = true;
  s.block_type = f.type;
  s.block_stream = f.stream_id;
  s.block_end_stream = end_stream;
  s.block.assign(fragment.begin(), fragment.end());
  return (f.flags & kEndHeaders) ? finish_block(s) : true;
}

bool H2Connection::finish_block(Side& s) {
  s.in_block = false;
  HttpHeaders fields;
  bool over_limit = false;
  // Every block is decoded, even of streams not followed: the table depends on all of them.
  bool decoded = s.hpack.decode(s.block, fields, limits_.max_head_bytes, over_limit);
  s.block.clear();
  if (!decoded) {
    ++stats_.h2_undecodable_connections;
    stop(BodyEnd::kMalformed);
    return false;
  }
  if (over_limit) ++stats_.heads_too_large;
  if (s.block_type == kPushPromise) {
    ++stats_.h2_pushed_streams;  // server push: not a request this process made
    return true;
  }
  if (s.dir == client_dir_)
    request_headers(s.block_stream, std::move(fields), s.block_end_stream);
  else
    response_headers(s.block_stream, std::move(fields), s.block_end_stream);
  return !stopped_;
}

void H2Connection::on_settings(Direction dir, const H2Frame& f) {
  if (f.payload.size() % 6 != 0) return;
  for (size_t at = 0; at < f.payload.size(); at += 6) {
    uint16_t id = uint16_t(f.payload[at] << 8 | f.payload[at + 1]);
    uint32_t value = read_u32(f.payload.data() + at + 2);
    // A side's settings bound what its peer sends: the other direction's frames and encoder.
    Side& peer = side(dir == client_dir_ ? server_->dir : client_->dir);
    if (id == kSettingsMaxFrameSize) {
      if (value >= kDefaultMaxFrame && value <= kMaxFramePayload) peer.reader.set_max_payload(value);
      continue;
    }
    if (id != kSettingsHeaderTableSize) continue;
    if (value > kMaxHeaderTable || !peer.hpack.set_max_table_size(value)) {
      ++stats_.h2_undecodable_connections;
      stop(BodyEnd::kMalformed);
      return;
    }
  }
}

void H2Connection::request_headers(uint32_t stream_id, HttpHeaders&& fields, bool end_stream) {
  auto it = streams_.find(stream_id);
  if (it != streams_.end()) {  // trailers
    if (end_stream && !it->second.request_ended) end_request(it->second, it->second.request_body->complete_end());
    return;
  }
  ++stats_.requests;
  if (streams_.size() >= limits_.max_open_exchanges) {
    ++stats_.dropped_exchanges;
    return;
  }
  HttpRequestHead head;
  head.version = "HTTP/2";
  std::string authority;
  for (HttpHeader& h : fields.items) {
    if (h.name.empty() || h.name[0] != ':') head.headers.items.push_back(std::move(h));
    else if (h.name == ":method") head.method = std::move(h.value);
    else if (h.name == ":path") head.target = std::move(h.value);
    else if (h.name == ":authority") authority = std::move(h.value);
  }
  // HTTP/1's Host, which the LLM stage reads to tell providers apart.
  if (!authority.empty() && !head.headers.find("host")) head.headers.items.push_back({"host", authority});
  redact(head);
  Stream& s = streams_[stream_id];
  s.id = allocate_exchange_id();
  s.request_body = std::make_unique<H2Body>(limits_.max_decoded_body_bytes, stats_);
  s.response_body = std::make_unique<H2Body>(limits_.max_decoded_body_bytes, stats_);
  s.request_body->start(head.headers);
  sink_.on_request_head(s.id, *meta_, head, ts_);
  if (end_stream) end_request(s, BodyEnd::kComplete);
}

void H2Connection::response_headers(uint32_t stream_id, HttpHeaders&& fields, bool end_stream) {
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) {
    ++stats_.unmatched_responses;  // a stream not followed (over the limit, or opened before us)
    return;
  }
  Stream& s = it->second;
  if (s.response_started) {  // trailers
    if (end_stream) end_response(stream_id, s.response_body->complete_end());
    return;
  }
  HttpResponseHead head;
  head.version = "HTTP/2";
  for (HttpHeader& h : fields.items) {
    if (h.name == ":status") head.status = parse_status(h.value);
    else if (h.name.empty() || h.name[0] != ':') head.headers.items.push_back(std::move(h));
  }
  if (head.status < 100) {
    // No valid :status: a malformed response (RFC 9113 8.1.1). The exchange ends without one.
    ++stats_.parse_errors;
    finish(it);
    return;
  }
  if (head.status < 200) {
    ++stats_.informational_responses;
    return;
  }
  ++stats_.responses;
  if (!s.request_ended) {
    ++stats_.early_responses;
    end_request(s, BodyEnd::kTruncated);
  }
  redact(head);
  s.response_started = true;
  s.response_body->start(head.headers);
  sink_.on_response_head(s.id, head, ts_);
  if (end_stream) end_response(stream_id, s.response_body->complete_end());
}

void H2Connection::on_data(Direction dir, uint32_t stream_id, std::span<const uint8_t> data, bool end_stream) {
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) return;
  Stream& s = it->second;
  const ExchangeId id = s.id;
  if (dir == client_dir_) {
    if (s.request_ended) return;
    s.request_body->feed(data, [&](std::span<const uint8_t> d) { sink_.on_request_body(id, d, ts_); });
    if (end_stream || s.request_body->length_reached()) end_request(s, s.request_body->complete_end());
  } else if (s.response_started) {
    s.response_body->feed(data, [&](std::span<const uint8_t> d) { sink_.on_response_body(id, d, ts_); });
    if (end_stream || s.response_body->length_reached()) end_response(stream_id, s.response_body->complete_end());
  }
}

void H2Connection::end_request(Stream& s, BodyEnd end) {
  if (s.request_ended) return;
  s.request_ended = true;
  sink_.on_request_end(s.id, end, ts_);
}

void H2Connection::end_response(uint32_t stream_id, BodyEnd end) {
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) return;
  sink_.on_response_end(it->second.id, end, ts_);
  finish(it);
}

void H2Connection::finish(std::map<uint32_t, Stream>::iterator it) {
  Stream& s = it->second;
  if (!s.request_ended) end_request(s, BodyEnd::kClosed);
  ExchangeId id = s.id;
  streams_.erase(it);
  ++stats_.exchanges_done;
  sink_.on_exchange_done(id, *meta_, ts_);
}

void H2Connection::reset_stream(uint32_t stream_id) {
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) return;
  ++stats_.h2_reset_streams;
  if (it->second.response_started) sink_.on_response_end(it->second.id, BodyEnd::kClosed, ts_);
  finish(it);
}

}  // namespace agentprof
