#include "http/json_array_stream_parser.h"

namespace agentprof {
namespace {

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

constexpr unsigned char kBom[3] = {0xEF, 0xBB, 0xBF};

}  // namespace

JsonArrayStreamParser::JsonArrayStreamParser(Callback callback, size_t max_element_bytes)
    : callback_(std::move(callback)), max_element_bytes_(max_element_bytes) {}

void JsonArrayStreamParser::feed(std::span<const uint8_t> bytes) {
  feed_text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

void JsonArrayStreamParser::start_element(char first) {
  element_.clear();
  overflow_ = false;
  in_string_ = first == '"';
  escape_ = false;
  scalar_ = first != '"' && first != '{' && first != '[';
  depth_ = (first == '{' || first == '[') ? 1 : 0;
  state_ = State::kElement;
}

void JsonArrayStreamParser::keep(const char* p, size_t n) {
  if (overflow_) return;
  if (element_.size() + n > max_element_bytes_) {
    overflow_ = true;
    element_.clear();
    return;
  }
  element_.append(p, n);
}

void JsonArrayStreamParser::end_element(const char* start, const char* end) {
  if (!overflow_ && element_.empty() && size_t(end - start) <= max_element_bytes_) {
    ++elements_;
    callback_(std::string_view(start, size_t(end - start)));  // whole element in this feed: no copy
  } else {
    keep(start, size_t(end - start));
    if (overflow_) {
      ++dropped_;
    } else {
      ++elements_;
      callback_(element_);
    }
  }
  element_.clear();
  overflow_ = false;
  state_ = single_object_ ? State::kDone : State::kBetween;
}

void JsonArrayStreamParser::feed_text(const char* p, size_t n) {
  const char* end = p + n;
  const char* elem_start = state_ == State::kElement ? p : nullptr;
  while (p < end) {
    char c = *p;
    switch (state_) {
      case State::kStart:
        if (bom_matched_ < 3 && static_cast<unsigned char>(c) == kBom[bom_matched_]) {
          ++bom_matched_;
        } else if (is_ws(c)) {
          bom_matched_ = 3;
        } else if (c == '[') {
          state_ = State::kBetween;
        } else if (c == '{') {
          single_object_ = true;
          start_element(c);
          elem_start = p;
        } else {
          state_ = State::kError;
        }
        ++p;
        break;
      case State::kBetween:
        if (c == ']') {
          state_ = State::kDone;
        } else if (!is_ws(c) && c != ',') {
          start_element(c);
          elem_start = p;
        }
        ++p;
        break;
      case State::kElement:
        if (in_string_) {
          // Skip plain string bytes quickly; only '"' and '\\' matter inside a string.
          while (p < end && !escape_ && *p != '"' && *p != '\\') ++p;
          if (p == end) break;
          if (escape_) {
            escape_ = false;
          } else if (*p == '\\') {
            escape_ = true;
          } else {
            in_string_ = false;
            if (depth_ == 0) {  // a top-level string element
              end_element(elem_start, p + 1);
              elem_start = nullptr;
            }
          }
          ++p;
          break;
        }
        if (scalar_) {
          if (c == ',' || c == ']' || is_ws(c)) {
            end_element(elem_start, p);
            elem_start = nullptr;
            break;  // the separator is looked at again between elements
          }
          ++p;
          break;
        }
        if (c == '"') {
          in_string_ = true;
        } else if (c == '{' || c == '[') {
          ++depth_;
        } else if (c == '}' || c == ']') {
          if (--depth_ == 0) {
            end_element(elem_start, p + 1);
            elem_start = nullptr;
          }
        }
        ++p;
        break;
      case State::kDone:
        if (!is_ws(c)) state_ = State::kError;
        ++p;
        break;
      case State::kError:
        return;
    }
  }
  if (state_ == State::kElement && elem_start) keep(elem_start, size_t(end - elem_start));
}

}  // namespace agentprof
