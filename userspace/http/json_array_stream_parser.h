// Incremental framing of one growing top-level JSON array (Gemini streamGenerateContent without
// alt=sse: `[{...}\n,\r\n{...}]`): one callback per complete top-level element, found by tracking
// strings, escapes and bracket depth (the JSON itself is not validated). A body that is a single
// top-level object instead of an array (an error reply) is delivered as one element.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace agentprof {

class JsonArrayStreamParser {
 public:
  using Callback = std::function<void(std::string_view element)>;

  // Elements longer than `max_element_bytes` are dropped and counted in dropped_elements().
  explicit JsonArrayStreamParser(Callback callback, size_t max_element_bytes = 4u << 20);

  void feed(std::span<const uint8_t> bytes);
  void feed(std::string_view text) { feed_text(text.data(), text.size()); }

  uint64_t elements() const { return elements_; }
  uint64_t dropped_elements() const { return dropped_; }
  // Bytes that cannot belong to a top-level array were seen; the rest of the stream is ignored.
  bool malformed() const { return state_ == State::kError; }
  // The closing bracket (or the end of the single top-level object) was seen.
  bool done() const { return state_ == State::kDone; }

 private:
  enum class State : uint8_t { kStart, kBetween, kElement, kDone, kError };

  void feed_text(const char* p, size_t n);
  void start_element(char first);
  void keep(const char* p, size_t n);
  void end_element(const char* start, const char* end);

  Callback callback_;
  size_t max_element_bytes_;
  State state_ = State::kStart;
  bool single_object_ = false;  // top level is an object, not an array

  // Element being assembled.
  std::string element_;
  bool overflow_ = false;
  bool scalar_ = false;   // number / literal: ends at ',' ']' or whitespace
  bool in_string_ = false;
  bool escape_ = false;
  uint32_t depth_ = 0;
  size_t bom_matched_ = 0;

  uint64_t elements_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace agentprof
