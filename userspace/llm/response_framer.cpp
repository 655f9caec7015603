#include "llm/response_framer.h"

#include <cstring>

namespace agentprof {

void ResponseFramer::reset(BodyFraming framing, size_t max_frame_bytes) {
  framing_ = framing;
  max_frame_bytes_ = max_frame_bytes;
  frames_dropped_ = 0;
  overflow_ = false;
  handler_ = nullptr;
  sse_.reset();
  ndjson_.reset();
  json_array_.reset();
  aws_.reset();
  value_.clear();
  if (framing == BodyFraming::kSse) {
    sse_.emplace([this](std::string_view event, std::string_view data, std::string_view) {
      if (handler_) handler_->on_frame(event, data);
    }, max_frame_bytes);
  } else if (framing == BodyFraming::kNdjson) {
    ndjson_.emplace([this](std::string_view line) {
      if (handler_) handler_->on_frame({}, line);
    }, max_frame_bytes);
  } else if (framing == BodyFraming::kAwsEventStream) {
    aws_.emplace([this](const AwsEventMessage& m) { on_aws_message(m); }, max_frame_bytes);
  } else if (framing == BodyFraming::kJsonArray) {
    json_array_.emplace([this](std::string_view element) {
      if (handler_) handler_->on_frame({}, element);
    }, max_frame_bytes);
  }
}

uint64_t ResponseFramer::frames_dropped() const {
  uint64_t n = frames_dropped_;
  if (sse_) n += sse_->dropped_events();
  if (ndjson_) n += ndjson_->dropped_lines();
  if (json_array_) n += json_array_->dropped_elements();
  if (aws_) n += aws_->dropped();
  return n;
}

// Bedrock chunk payloads are {"bytes":"<base64 of the model's own stream event JSON>"}; base64
// never contains quotes, so the value is found without a JSON parse.
void ResponseFramer::on_aws_message(const AwsEventMessage& m) {
  if (!handler_) return;
  if (m.message_type == "exception" || m.message_type == "error") {
    handler_->on_frame(m.exception_type.empty() ? std::string_view("exception") : m.exception_type, m.payload);
    return;
  }
  if (m.message_type != "event" || m.event_type != "chunk") return;
  constexpr std::string_view kKey = "\"bytes\"";
  size_t at = m.payload.find(kKey);
  if (at == std::string_view::npos) return;
  size_t open = m.payload.find('"', at + kKey.size());
  if (open == std::string_view::npos) return;
  size_t close = m.payload.find('"', open + 1);
  if (close == std::string_view::npos) return;
  if (!base64_decode(m.payload.substr(open + 1, close - open - 1), decoded_)) {
    ++frames_dropped_;
    return;
  }
  handler_->on_frame({}, decoded_);
}

void ResponseFramer::abandon_whole() {
  if (framing_ != BodyFraming::kWhole) return;
  overflow_ = true;
  value_ = std::string();
}

bool ResponseFramer::append_capped(std::string& buf, std::string_view bytes) {
  if (overflow_) return false;
  if (buf.size() + bytes.size() > max_frame_bytes_) {
    overflow_ = true;
    buf.clear();
    return false;
  }
  buf.append(bytes);
  return true;
}

void ResponseFramer::feed(std::string_view bytes, FrameHandler& handler) {
  handler_ = &handler;
  switch (framing_) {
    case BodyFraming::kSse:
      sse_->feed(bytes);
      break;
    case BodyFraming::kNdjson:
      ndjson_->feed(bytes);
      break;
    case BodyFraming::kJsonArray:
      json_array_->feed(bytes);
      break;
    case BodyFraming::kAwsEventStream:
      aws_->feed(bytes);
      break;
    case BodyFraming::kWhole:
      append_capped(value_, bytes);
      break;
    case BodyFraming::kOpaque:
      break;
  }
  handler_ = nullptr;
}

void ResponseFramer::finish(bool complete, FrameHandler& handler) {
  handler_ = &handler;
  switch (framing_) {
    case BodyFraming::kSse:
      sse_->finish(complete);
      break;
    case BodyFraming::kNdjson:
      ndjson_->finish(complete);
      break;
    case BodyFraming::kWhole:
      if (overflow_) {
        ++frames_dropped_;
      } else if (complete && !value_.empty()) {
        std::string_view body = value_;
        size_t first = body.find_first_not_of(" \t\r\n");
        body.remove_prefix(first == std::string_view::npos ? body.size() : first);
        if (body.starts_with("data:") || body.starts_with("event:")) {
          // An event stream labelled as something else (text/plain, json): frame it as SSE.
          SseParser sse([&handler](std::string_view event, std::string_view data, std::string_view) {
            handler.on_frame(event, data);
          }, max_frame_bytes_);
          sse.feed(body);
          sse.finish(true);
        } else {
          handler.on_frame({}, value_);
        }
      }
      break;
    case BodyFraming::kJsonArray:
    case BodyFraming::kAwsEventStream:
    case BodyFraming::kOpaque:
      break;
  }
  handler_ = nullptr;
  value_.clear();
}

}  // namespace agentprof
