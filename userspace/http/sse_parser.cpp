#include "http/sse_parser.h"

#include <cstring>

namespace agentprof {
namespace {

constexpr unsigned char kBom[3] = {0xEF, 0xBB, 0xBF};

}  // namespace

SseParser::SseParser(Callback callback, size_t max_event_bytes)
    : callback_(std::move(callback)), max_event_bytes_(max_event_bytes) {}

void SseParser::feed(std::span<const uint8_t> bytes) {
  feed_text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

void SseParser::feed_text(const char* p, size_t n) {
  const char* end = p + n;
  if (!bom_done_) {
    // A BOM at stream start is skipped; it may itself be split across feeds.
    while (p < end && bom_matched_ < 3 && static_cast<unsigned char>(*p) == kBom[bom_matched_]) {
      ++bom_matched_;
      ++p;
    }
    if (bom_matched_ == 3) {
      bom_done_ = true;
    } else if (p < end) {
      bom_done_ = true;
      if (bom_matched_ > 0) append_partial(reinterpret_cast<const char*>(kBom), bom_matched_);
    } else {
      return;
    }
  }
  if (skip_lf_ && p < end) {
    if (*p == '\n') ++p;
    skip_lf_ = false;
  }
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', size_t(end - p)));
    const char* seg_end = nl ? nl : end;
    const char* cr = static_cast<const char*>(std::memchr(p, '\r', size_t(seg_end - p)));
    const char* eol = cr ? cr : nl;
    if (!eol) {
      append_partial(p, size_t(end - p));
      return;
    }
    if (!partial_.empty() || partial_overflow_) {
      append_partial(p, size_t(eol - p));
      if (partial_overflow_) {
        overflow_ = true;  // the line was too long to keep: its event is lost
        partial_overflow_ = false;
      } else {
        process_line(partial_);
      }
      partial_.clear();
    } else if (size_t(eol - p) > max_event_bytes_) {
      overflow_ = true;  // same rule as for a line assembled across feeds
    } else {
      process_line(std::string_view(p, size_t(eol - p)));
    }
    if (eol == cr) {
      p = cr + 1;
      if (p == end) {
        skip_lf_ = true;
      } else if (*p == '\n') {
        ++p;
      }
    } else {
      p = nl + 1;
    }
  }
}

void SseParser::append_partial(const char* p, size_t n) {
  if (partial_overflow_) return;
  if (partial_.size() + n > max_event_bytes_) {
    partial_overflow_ = true;
    partial_.clear();
    return;
  }
  partial_.append(p, n);
}

void SseParser::process_line(std::string_view line) {
  if (line.empty()) {
    dispatch();
    return;
  }
  if (line.front() == ':') return;  // comment (keep-alives, "OPENROUTER PROCESSING")
  size_t colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (overflow_) return;
    if (data_.size() + event_.size() + value.size() + 1 > max_event_bytes_) {
      overflow_ = true;
      data_.clear();
      return;
    }
    if (has_data_) data_.push_back('\n');
    data_.append(value);
    has_data_ = true;
  } else if (field == "event") {
    if (value.size() > max_event_bytes_) {
      overflow_ = true;
      return;
    }
    event_.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) id_.assign(value);
  }
  // "retry" and unknown fields are ignored.
}

void SseParser::dispatch() {
  if (overflow_) {
    ++dropped_;
  } else if (has_data_) {
    ++events_;
    callback_(event_, data_, id_);
  }
  event_.clear();
  data_.clear();
  has_data_ = false;
  overflow_ = false;
}

void SseParser::finish(bool complete) {
  if (complete) {
    if (!partial_.empty() && !partial_overflow_) process_line(partial_);
    if (partial_overflow_) overflow_ = true;
    if (has_data_ || overflow_) dispatch();
  }
  partial_.clear();
  partial_overflow_ = false;
  event_.clear();
  data_.clear();
  has_data_ = false;
  overflow_ = false;
  skip_lf_ = false;
}

}  // namespace agentprof
