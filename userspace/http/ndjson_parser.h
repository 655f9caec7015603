// Incremental newline-delimited JSON framing (Ollama streams): one callback per non-empty line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace agentprof {

class NdjsonParser {
 public:
  // The line without its LF / CRLF terminator.
  using Callback = std::function<void(std::string_view line)>;

  // Lines longer than `max_line_bytes` are dropped and counted in dropped_lines().
  explicit NdjsonParser(Callback callback, size_t max_line_bytes = 4u << 20);

  void feed(std::span<const uint8_t> bytes);
  void feed(std::string_view text) { feed_text(text.data(), text.size()); }
  // End of stream. When `complete`, a last line without newline is delivered.
  void finish(bool complete);

  uint64_t lines() const { return lines_; }
  uint64_t dropped_lines() const { return dropped_; }

 private:
  void feed_text(const char* p, size_t n);
  void emit(std::string_view line);

  Callback callback_;
  size_t max_line_bytes_;
  std::string partial_;
  bool overflow_ = false;  // the line being assembled went over the cap
  uint64_t lines_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace agentprof
