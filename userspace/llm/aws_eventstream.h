// Incremental parser of the binary AWS event stream (application/vnd.amazon.eventstream), used
// by Bedrock's InvokeModelWithResponseStream. Each message: [total_len u32 BE][headers_len u32 BE]
// [prelude CRC32][headers][payload][message CRC32]. The prelude CRC is checked so a desynchronised
// stream is detected (and the rest ignored) instead of decoding garbage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace agentprof {

struct AwsEventMessage {
  std::string_view message_type;    // ":message-type": "event" | "exception" | "error"
  std::string_view event_type;      // ":event-type", e.g. "chunk"
  std::string_view exception_type;  // ":exception-type", e.g. "throttlingException"
  std::string_view payload;
};

class AwsEventStreamParser {
 public:
  using Callback = std::function<void(const AwsEventMessage&)>;

  // Messages larger than `max_message_bytes` are skipped and counted in dropped().
  AwsEventStreamParser(Callback callback, size_t max_message_bytes);

  void feed(std::string_view bytes);

  uint64_t messages() const { return messages_; }
  uint64_t dropped() const { return dropped_; }
  bool malformed() const { return malformed_; }

 private:
  bool parse_message(std::string_view msg);

  Callback callback_;
  size_t max_message_bytes_;
  std::string buf_;
  size_t start_ = 0;       // first unconsumed byte of buf_
  size_t skip_ = 0;        // bytes of an oversized message still to skip
  bool malformed_ = false;
  uint64_t messages_ = 0;
  uint64_t dropped_ = 0;
};

uint32_t crc32_ieee(std::string_view bytes);
// Standard base64 (with or without padding); false on a character outside the alphabet.
bool base64_decode(std::string_view in, std::string& out);

}  // namespace agentprof
