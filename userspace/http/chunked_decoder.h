// Incremental decoder of the chunked transfer coding (RFC 9112 section 7.1): chunk sizes, chunk
// extensions and trailer fields are consumed, chunk data is returned in place (no copy).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace agentprof {

class ChunkedDecoder {
 public:
  enum class Status : uint8_t { kMore, kDone, kError };

  struct Step {
    size_t consumed = 0;                // bytes of the input used by this step
    std::span<const uint8_t> data;      // chunk data found (a sub-span of the input), maybe empty
    Status status = Status::kMore;
  };

  void reset() { *this = ChunkedDecoder(); }

  // Consumes framing bytes until chunk data is found, the body ends or the input runs out. Call
  // again with the rest of the input while status is kMore and input remains.
  Step step(std::span<const uint8_t> in);

  bool done() const { return state_ == State::kDone; }

 private:
  enum class State : uint8_t {
    kSize,         // hex digits of the chunk size
    kSizeTail,     // whitespace or extension after the size, until LF
    kData,         // chunk data
    kDataCr,       // CR or LF after the data
    kDataLf,       // LF after the data's CR
    kTrailerStart, // start of a trailer line (an empty one ends the body)
    kTrailerLine,  // inside a trailer field line, until LF
    kTrailerLf,    // LF after the CR of the final empty line
    kDone,
    kError,
  };

  State state_ = State::kSize;
  uint64_t size_ = 0;
  uint8_t digits_ = 0;
  uint64_t remaining_ = 0;
};

}  // namespace agentprof
