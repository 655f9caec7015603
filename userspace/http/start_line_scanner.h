// Finds where an HTTP/1 message starts in a byte stream whose position is unknown: used to classify
// the first bytes of a connection and to resynchronise after a gap or a parse error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace agentprof {

enum class StartLine : uint8_t { kNone, kRequest, kResponse, kHttp2Preface };

// Which start lines to look for (bit mask).
enum StartLineWant : uint8_t {
  kWantRequest = 1,   // "GET ", "POST "... (known methods only, to keep false matches rare)
  kWantResponse = 2,  // "HTTP/1.0 ", "HTTP/1.1 "
  kWantHttp2 = 4,     // "PRI * HTTP/2.0"
};

// Classifies the first bytes of a line. kNone: cannot be a wanted start line; `partial` set when
// `bytes` is a strict prefix of one (more bytes are needed to decide).
StartLine classify_line_start(std::string_view bytes, uint8_t want, bool& partial);

class StartLineScanner {
 public:
  struct Result {
    StartLine found = StartLine::kNone;
    size_t resume = 0;  // the start line begins at bytes[resume], preceded by held()
  };

  // at_line_start: whether the next byte begins a line (stream start, or right after a gap).
  void reset(bool at_line_start) {
    at_line_start_ = at_line_start;
    held_.clear();
  }

  // A new capture chunk usually starts a new message (one write per message, at least for the
  // head), and after a hole the previous message's tail rarely ends with a newline: the start of
  // each chunk therefore also counts as a line start while scanning.
  void at_chunk_start() {
    if (held_.empty()) at_line_start_ = true;
  }

  // Looks only at line starts (stream start or after '\n'); memchr between them.
  Result scan(std::span<const uint8_t> bytes, uint8_t want);

  // Bytes of the found start line that arrived in earlier scan() calls (a few at most).
  std::string_view held() const { return held_; }

 private:
  bool at_line_start_ = true;
  std::string held_;  // a line start that is a prefix of a wanted start line, awaiting more bytes
};

}  // namespace agentprof
