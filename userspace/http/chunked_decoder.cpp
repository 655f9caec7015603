#include "http/chunked_decoder.h"

#include <algorithm>
#include <cstring>

namespace agentprof {
namespace {

int hex_value(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr uint8_t kMaxSizeDigits = 15;  // 2^60: no real chunk is larger, and no overflow

}  // namespace

ChunkedDecoder::Step ChunkedDecoder::step(std::span<const uint8_t> in) {
  Step s;
  size_t i = 0;
  const size_t n = in.size();
  while (i < n) {
    uint8_t c = in[i];
    switch (state_) {
      case State::kSize: {
        int v = hex_value(c);
        if (v >= 0) {
          if (++digits_ > kMaxSizeDigits) {
            state_ = State::kError;
            break;
          }
          size_ = size_ * 16 + uint64_t(v);
          ++i;
          break;
        }
        if (digits_ == 0 || (c != ';' && c != ' ' && c != '\t' && c != '\r' && c != '\n')) {
          state_ = State::kError;
          break;
        }
        state_ = State::kSizeTail;
        break;  // the tail state looks at this byte
      }
      case State::kSizeTail: {
        // Skip extensions and whitespace up to the LF that ends the size line.
        const void* nl = std::memchr(in.data() + i, '\n', n - i);
        if (!nl) {
          i = n;
          break;
        }
        i = size_t(static_cast<const uint8_t*>(nl) - in.data()) + 1;
        if (size_ == 0) {
          state_ = State::kTrailerStart;
        } else {
          remaining_ = size_;
          state_ = State::kData;
        }
        break;
      }
      case State::kData: {
        size_t take = size_t(std::min<uint64_t>(remaining_, n - i));
        s.data = in.subspan(i, take);
        remaining_ -= take;
        i += take;
        if (remaining_ == 0) state_ = State::kDataCr;
        s.consumed = i;
        return s;
      }
      case State::kDataCr:
        if (c == '\r') {
          state_ = State::kDataLf;
        } else if (c == '\n') {
          size_ = 0;
          digits_ = 0;
          state_ = State::kSize;
        } else {
          state_ = State::kError;
          break;
        }
        ++i;
        break;
      case State::kDataLf:
        if (c != '\n') {
          state_ = State::kError;
          break;
        }
        ++i;
        size_ = 0;
        digits_ = 0;
        state_ = State::kSize;
        break;
      case State::kTrailerStart:
        ++i;
        if (c == '\n') {
          state_ = State::kDone;
        } else if (c == '\r') {
          state_ = State::kTrailerLf;
        } else {
          state_ = State::kTrailerLine;
        }
        break;
      case State::kTrailerLine: {
        const void* nl = std::memchr(in.data() + i, '\n', n - i);
        if (!nl) {
          i = n;
          break;
        }
        i = size_t(static_cast<const uint8_t*>(nl) - in.data()) + 1;
        state_ = State::kTrailerStart;
        break;
      }
      case State::kTrailerLf:
        if (c == '\n') {
          ++i;
          state_ = State::kDone;
        } else {
          // "\r" followed by something else: it was a trailer line starting with CR. Tolerate.
          state_ = State::kTrailerLine;
        }
        break;
      case State::kDone:
      case State::kError:
        break;
    }
    if (state_ == State::kDone || state_ == State::kError) break;
  }
  s.consumed = i;
  s.status = state_ == State::kDone ? Status::kDone : state_ == State::kError ? Status::kError : Status::kMore;
  return s;
}

}  // namespace agentprof
