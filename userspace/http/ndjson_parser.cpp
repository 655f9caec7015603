#include "http/ndjson_parser.h"

#include <cstring>

namespace agentprof {

NdjsonParser::NdjsonParser(Callback callback, size_t max_line_bytes)
    : callback_(std::move(callback)), max_line_bytes_(max_line_bytes) {}

void NdjsonParser::feed(std::span<const uint8_t> bytes) {
  feed_text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

void NdjsonParser::feed_text(const char* p, size_t n) {
  const char* end = p + n;
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', size_t(end - p)));
    const char* stop = nl ? nl : end;
    if (!overflow_ && partial_.size() + size_t(stop - p) > max_line_bytes_) {
      overflow_ = true;
      partial_.clear();
    }
    if (!nl) {
      if (!overflow_) partial_.append(p, size_t(stop - p));
      return;
    }
    if (overflow_) {
      ++dropped_;
      overflow_ = false;
    } else if (partial_.empty()) {
      emit(std::string_view(p, size_t(stop - p)));
    } else {
      partial_.append(p, size_t(stop - p));
      emit(partial_);
      partial_.clear();
    }
    p = nl + 1;
  }
}

void NdjsonParser::emit(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  size_t first = line.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return;  // blank line
  ++lines_;
  callback_(line);
}

void NdjsonParser::finish(bool complete) {
  if (overflow_) {
    if (complete) ++dropped_;
  } else if (complete && !partial_.empty()) {
    emit(partial_);
  }
  partial_.clear();
  overflow_ = false;
}

}  // namespace agentprof
