// Incremental parser of the HTTP/1 messages of one connection direction: heads, body framing
// (content-length, chunked, until close), content decoding and the body size cap. Input may be
// split at any byte; the events produced do not depend on where.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "http/body_decoder.h"
#include "http/chunked_decoder.h"
#include "http/content_decoder.h"
#include "http/http_framing.h"
#include "http/http_limits.h"
#include "http/http_message.h"
#include "http/http_stats.h"
#include "http/start_line_scanner.h"

namespace agentprof {

enum class MessageKind : uint8_t { kRequest, kResponse };

// What the owner decides about a message once its head is parsed.
struct HeadVerdict {
  bool deliver = true;     // false: follow the framing, hand nothing on (unmatched response)
  bool no_body = false;    // response to HEAD, or 2xx to CONNECT
  bool stop_after = false; // the bytes after this message are not HTTP/1 (101, CONNECT tunnel)
};

// Receives the events of one MessageParser (one virtual call per head, body piece or end).
class MessageHandler {
 public:
  // Heads arrive with secrets already removed.
  virtual HeadVerdict on_request_head(HttpRequestHead&& head, uint64_t ts_ns) = 0;
  virtual HeadVerdict on_response_head(HttpResponseHead&& head, uint64_t ts_ns) = 0;
  virtual void on_body(MessageKind kind, std::span<const uint8_t> decoded, uint64_t ts_ns) = 0;
  virtual void on_message_end(MessageKind kind, BodyEnd end, uint64_t ts_ns) = 0;

 protected:
  ~MessageHandler() = default;
};

// What a gap interrupted.
enum class GapEffect : uint8_t {
  kBetweenMessages,  // no message in progress (or already resynchronising)
  kHeadLost,         // a head was being received: it is dropped
  kBodyCut,          // a body was in progress: it ended with BodyEnd::kGap
};

class MessageParser final : private ByteConsumer {
 public:
  MessageParser(MessageKind kind, const HttpLimits& limits, HttpStats& stats, MessageHandler& handler);

  void feed(std::span<const uint8_t> bytes, uint64_t ts_ns);
  // Bytes were lost: the message in progress ends with kGap, then the parser looks for the next
  // start line, so nothing after the hole is attributed to the interrupted message.
  GapEffect on_gap();
  // End of stream: a body in progress ends with kClosed. No more messages after this.
  void on_close(uint64_t ts_ns);
  // Starts by resynchronising, continuing `scanner` (bytes already scanned without a start line).
  void resync_from(const StartLineScanner& scanner);
  // The rest of the current message is followed but not handed on, and it ends without event.
  void stop_delivering() { deliver_ = false; }

  bool in_body() const;

 private:
  enum class State : uint8_t { kHead, kBodyLength, kBodyChunked, kBodyUntilClose, kResync, kStopped };

  size_t feed_head(std::span<const uint8_t> bytes, uint64_t ts_ns);
  void finish_head(uint64_t ts_ns);
  void begin_body(const HttpFraming& framing, const HeadVerdict& verdict, uint64_t ts_ns);
  void body_bytes(std::span<const uint8_t> framed);
  void end_message(BodyEnd end, uint64_t ts_ns);
  void parse_error(bool at_line_start);
  bool consume(std::span<const uint8_t> decoded) override;  // body_ output: to the handler

  const MessageKind kind_;
  const HttpLimits& limits_;
  HttpStats& stats_;
  MessageHandler& handler_;

  State state_ = State::kHead;
  uint64_t ts_ = 0;  // capture time of the chunk being parsed (last one seen)

  // Head being received.
  std::string head_;
  size_t line_start_ = 0;  // offset in head_ of the line being received
  uint64_t head_ts_ = 0;

  // Body in progress.
  HttpFramingKind framing_kind_ = HttpFramingKind::kNone;
  uint64_t remaining_ = 0;
  ChunkedDecoder chunked_;
  BodyDecoder body_;
  bool deliver_ = true;
  bool stop_after_ = false;

  StartLineScanner scanner_;
};

}  // namespace agentprof
