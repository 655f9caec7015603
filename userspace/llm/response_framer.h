// Splits a response body, fed in arbitrary pieces, into the units an API decoder reads: SSE events,
// NDJSON lines, elements of a streamed JSON array, or the whole body. Only the unit being assembled
// is held, never the stream, and every unit is capped: a larger one is dropped and counted.
// The framing itself is the http stage's parsers (SSE, NDJSON, JSON array); this class only
// selects and adapts them, and buffers whole bodies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/json_array_stream_parser.h"
#include "llm/aws_eventstream.h"
#include "http/ndjson_parser.h"
#include "http/sse_parser.h"

namespace agentprof {

enum class BodyFraming : uint8_t {
  kWhole,      // one JSON document (non-streamed responses, error bodies)
  kSse,        // text/event-stream
  kNdjson,     // one JSON value per line (Ollama)
  kJsonArray,  // one JSON array whose elements arrive over time (Gemini without alt=sse)
  kAwsEventStream,  // binary AWS event stream (Bedrock) carrying base64 JSON chunks
  kOpaque,     // not decoded
};

class FrameHandler {
 public:
  virtual ~FrameHandler() = default;
  // `event` is the SSE event name (empty when absent, and for other framings); for AWS event
  // streams it is the exception type of an exception message (data: its JSON payload).
  virtual void on_frame(std::string_view event, std::string_view data) = 0;
};

// Not copyable or movable: the parsers call back into it.
class ResponseFramer {
 public:
  ResponseFramer() = default;
  ResponseFramer(const ResponseFramer&) = delete;
  ResponseFramer& operator=(const ResponseFramer&) = delete;

  void reset(BodyFraming framing, size_t max_frame_bytes);
  void feed(std::string_view bytes, FrameHandler& handler);
  // End of the body. When `complete`, a last unit without its terminator (no final blank line or
  // newline) is still delivered; otherwise it is dropped as cut short.
  void finish(bool complete, FrameHandler& handler);

  // Gives up on a whole body being buffered (the stage's memory budget ran out): it counts as
  // over the cap.
  void abandon_whole();

  BodyFraming framing() const { return framing_; }
  uint64_t frames_dropped() const;  // units over the cap
  bool whole_truncated() const { return framing_ == BodyFraming::kWhole && overflow_; }
  // The framing itself broke (e.g. an AWS event stream lost sync): the rest was not decoded.
  bool malformed() const { return aws_ && aws_->malformed(); }

 private:
  void on_aws_message(const AwsEventMessage& m);
  bool append_capped(std::string& buf, std::string_view bytes);

  BodyFraming framing_ = BodyFraming::kWhole;
  size_t max_frame_bytes_ = 0;
  uint64_t frames_dropped_ = 0;
  bool overflow_ = false;  // the value being assembled went over the cap

  FrameHandler* handler_ = nullptr;  // target of the parser callbacks during feed/finish
  std::optional<SseParser> sse_;
  std::optional<NdjsonParser> ndjson_;
  std::optional<JsonArrayStreamParser> json_array_;
  std::optional<AwsEventStreamParser> aws_;
  std::string decoded_;  // base64-decoded AWS chunk

  std::string value_;  // whole body being assembled
};

}  // namespace agentprof
