// Incremental text/event-stream parser (WHATWG HTML "server-sent events" interpretation): one
// callback per complete event. Input may be split anywhere; lines are found with memchr and only
// the line straddling two feeds is copied.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace agentprof {

class SseParser {
 public:
  // `event` is empty when the event had no "event:" field (the SSE default type "message").
  // `id` is the last event id seen on the stream (it persists across events, as the spec says).
  using Callback = std::function<void(std::string_view event, std::string_view data, std::string_view id)>;

  // An event whose data, event name or any single line exceeds `max_event_bytes` is dropped and
  // counted in dropped_events().
  explicit SseParser(Callback callback, size_t max_event_bytes = 4u << 20);

  void feed(std::span<const uint8_t> bytes);
  void feed(std::string_view text) { feed_text(text.data(), text.size()); }
  // End of stream. When `complete`, an event missing only its final blank line is dispatched;
  // otherwise it is discarded (as the spec does at EOF).
  void finish(bool complete);

  uint64_t events() const { return events_; }
  uint64_t dropped_events() const { return dropped_; }

 private:
  void feed_text(const char* p, size_t n);
  void append_partial(const char* p, size_t n);
  void process_line(std::string_view line);
  void dispatch();

  Callback callback_;
  size_t max_event_bytes_;

  std::string partial_;        // a line not yet terminated
  bool partial_overflow_ = false;
  bool skip_lf_ = false;       // the last feed ended with CR: a LF starting the next one is its pair
  uint8_t bom_matched_ = 0;    // bytes of a UTF-8 BOM matched at stream start
  bool bom_done_ = false;

  std::string event_;
  std::string data_;
  std::string id_;
  bool has_data_ = false;
  bool overflow_ = false;      // the event being assembled went over the cap

  uint64_t events_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace agentprof
