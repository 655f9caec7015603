#include "http/message_parser.h"

#include <algorithm>
#include <cstring>

#include "http/head_parser.h"
#include "http/secret_redaction.h"

namespace agentprof {

MessageParser::MessageParser(MessageKind kind, const HttpLimits& limits, HttpStats& stats,
                             MessageHandler& handler)
    : kind_(kind), limits_(limits), stats_(stats), handler_(handler), body_(limits.max_decoded_body_bytes, stats) {}

bool MessageParser::in_body() const {
  return state_ == State::kBodyLength || state_ == State::kBodyChunked || state_ == State::kBodyUntilClose;
}

void MessageParser::resync_from(const StartLineScanner& scanner) {
  head_.clear();
  line_start_ = 0;
  scanner_ = scanner;
  state_ = State::kResync;
}

void MessageParser::feed(std::span<const uint8_t> bytes, uint64_t ts_ns) {
  ts_ = ts_ns;
  if (state_ == State::kResync) scanner_.at_chunk_start();
  while (!bytes.empty()) {
    switch (state_) {
      case State::kHead:
        bytes = bytes.subspan(feed_head(bytes, ts_ns));
        break;
      case State::kBodyLength: {
        size_t take = size_t(std::min<uint64_t>(remaining_, bytes.size()));
        body_bytes(bytes.first(take));
        bytes = bytes.subspan(take);
        remaining_ -= take;
        if (remaining_ == 0) end_message(BodyEnd::kComplete, ts_ns);
        break;
      }
      case State::kBodyChunked: {
        ChunkedDecoder::Step step = chunked_.step(bytes);
        bytes = bytes.subspan(step.consumed);
        if (!step.data.empty()) body_bytes(step.data);
        if (step.status == ChunkedDecoder::Status::kDone) {
          end_message(BodyEnd::kComplete, ts_ns);
        } else if (step.status == ChunkedDecoder::Status::kError) {
          ++stats_.parse_errors;
          end_message(BodyEnd::kMalformed, ts_ns);
          parse_error(false);
        }
        break;
      }
      case State::kBodyUntilClose:
        body_bytes(bytes);
        bytes = {};
        break;
      case State::kResync: {
        uint8_t want = kind_ == MessageKind::kRequest ? kWantRequest : kWantResponse;
        StartLineScanner::Result r = scanner_.scan(bytes, want);
        if (r.found == StartLine::kNone) return;
        state_ = State::kHead;
        std::string held(scanner_.held());
        scanner_.reset(true);
        if (!held.empty()) feed_head(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(held.data()), held.size()), ts_ns);
        bytes = bytes.subspan(r.resume);
        break;
      }
      case State::kStopped:
        return;
    }
  }
}

size_t MessageParser::feed_head(std::span<const uint8_t> bytes, uint64_t ts_ns) {
  const uint8_t* data = bytes.data();
  const size_t n = bytes.size();
  size_t i = 0;
  if (head_.empty()) {
    // Empty lines between messages are allowed (and common after a body).
    while (i < n && (data[i] == '\r' || data[i] == '\n')) ++i;
    if (i == n) return n;
    head_ts_ = ts_ns;
  }
  while (i < n) {
    const void* nl = std::memchr(data + i, '\n', n - i);
    size_t end = nl ? size_t(static_cast<const uint8_t*>(nl) - data) + 1 : n;
    if (head_.size() + (end - i) > limits_.max_head_bytes) {
      ++stats_.heads_too_large;
      ++stats_.parse_errors;
      head_.clear();
      line_start_ = 0;
      parse_error(false);
      return i;
    }
    head_.append(reinterpret_cast<const char*>(data + i), end - i);
    i = end;
    if (!nl) break;
    size_t line_len = head_.size() - line_start_;
    bool empty_line = line_len == 1 || (line_len == 2 && head_[line_start_] == '\r');
    line_start_ = head_.size();
    if (empty_line) {
      finish_head(ts_ns);
      break;
    }
  }
  return i;
}

void MessageParser::finish_head(uint64_t ts_ns) {
  size_t bad_lines = 0;
  HttpFraming framing;
  HeadVerdict verdict;
  if (kind_ == MessageKind::kRequest) {
    HttpRequestHead head;
    if (!parse_request_head(head_, head, bad_lines) || !request_framing(head.headers, framing)) {
      ++stats_.parse_errors;
      parse_error(true);
      return;
    }
    stats_.bad_header_lines += bad_lines;
    redact(head);
    head_.clear();
    line_start_ = 0;
    verdict = handler_.on_request_head(std::move(head), head_ts_);
  } else {
    HttpResponseHead head;
    if (!parse_response_head(head_, head, bad_lines) ||
        !response_framing(head.status, false, head.headers, framing)) {
      ++stats_.parse_errors;
      parse_error(true);
      return;
    }
    stats_.bad_header_lines += bad_lines;
    head_.clear();
    line_start_ = 0;
    if (head.status < 200 && head.status != 101) {
      // 100 Continue, 103 Early Hints: the final response follows.
      ++stats_.informational_responses;
      return;
    }
    redact(head);
    verdict = handler_.on_response_head(std::move(head), head_ts_);
    if (verdict.no_body) framing.kind = HttpFramingKind::kNone;
  }
  begin_body(framing, verdict, ts_ns);
}

void MessageParser::begin_body(const HttpFraming& framing, const HeadVerdict& verdict, uint64_t ts_ns) {
  deliver_ = verdict.deliver;
  stop_after_ = verdict.stop_after;
  framing_kind_ = framing.kind;
  // Codings matter only for a body that is handed on.
  static const std::vector<std::string> kNoCodings;
  body_.start(deliver_ && framing.kind != HttpFramingKind::kNone ? framing.codings : kNoCodings);
  switch (framing.kind) {
    case HttpFramingKind::kNone:
      end_message(BodyEnd::kComplete, ts_ns);
      break;
    case HttpFramingKind::kLength:
      remaining_ = framing.length;
      state_ = State::kBodyLength;
      break;
    case HttpFramingKind::kChunked:
      chunked_.reset();
      state_ = State::kBodyChunked;
      break;
    case HttpFramingKind::kUntilClose:
      state_ = State::kBodyUntilClose;
      break;
  }
}

void MessageParser::body_bytes(std::span<const uint8_t> framed) {
  if (deliver_) body_.feed(framed, *this);
}

bool MessageParser::consume(std::span<const uint8_t> decoded) {
  handler_.on_body(kind_, decoded, ts_);
  return true;
}

void MessageParser::end_message(BodyEnd end, uint64_t ts_ns) {
  if (deliver_) {
    // Whether the framing delimited the whole body (a read-until-close body ends at close).
    bool framing_complete = end == BodyEnd::kComplete ||
                            (end == BodyEnd::kClosed && framing_kind_ == HttpFramingKind::kUntilClose);
    if (framing_complete) {
      BodyEnd decoded = body_.complete_end();
      if (decoded != BodyEnd::kComplete) end = decoded;  // kClosed stays for read-until-close bodies
    }
    if (end == BodyEnd::kGap) ++stats_.bodies_cut_by_gap;
    handler_.on_message_end(kind_, end, ts_ns);
  }
  body_.start({});
  deliver_ = true;
  framing_kind_ = HttpFramingKind::kNone;
  state_ = stop_after_ ? State::kStopped : State::kHead;
  stop_after_ = false;
}

void MessageParser::parse_error(bool at_line_start) {
  head_.clear();
  line_start_ = 0;
  scanner_.reset(at_line_start);
  state_ = State::kResync;
}

GapEffect MessageParser::on_gap() {
  switch (state_) {
    case State::kHead: {
      GapEffect effect = head_.empty() ? GapEffect::kBetweenMessages : GapEffect::kHeadLost;
      parse_error(true);
      return effect;
    }
    case State::kBodyLength:
    case State::kBodyChunked:
    case State::kBodyUntilClose:
      end_message(BodyEnd::kGap, ts_);
      if (state_ != State::kStopped) parse_error(true);
      return GapEffect::kBodyCut;
    case State::kResync:
      scanner_.reset(true);
      return GapEffect::kBetweenMessages;
    case State::kStopped:
      break;
  }
  return GapEffect::kBetweenMessages;
}

void MessageParser::on_close(uint64_t ts_ns) {
  if (in_body()) end_message(BodyEnd::kClosed, ts_ns);
  head_.clear();
  head_.shrink_to_fit();
  state_ = State::kStopped;
}

}  // namespace agentprof
