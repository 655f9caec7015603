// Incremental decoding of HTTP content codings (gzip, x-gzip, deflate, br, zstd, stacked). Output is
// handed on in bounded pieces as input arrives, and the consumer can stop it at any piece, which
// is how decompression bombs are capped.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace agentprof {

class ByteConsumer {
 public:
  // Returns false to stop decoding (the size cap was reached).
  virtual bool consume(std::span<const uint8_t> bytes) = 0;

 protected:
  ~ByteConsumer() = default;
};

enum class DecodeStatus : uint8_t {
  kOk,       // all input used (output may be pending until more input arrives)
  kStopped,  // the consumer asked to stop
  kError,    // corrupt input, or data after the end of the compressed stream
};

class ContentDecoder {
 public:
  virtual ~ContentDecoder() = default;
  virtual DecodeStatus decode(std::span<const uint8_t> in, ByteConsumer& out) = 0;
  // The compressed stream reached its proper end (trailer checked where the format has one).
  virtual bool finished() const = 0;
};

// Decoder for one lower-case coding name; nullptr when unsupported.
std::unique_ptr<ContentDecoder> make_content_decoder(std::string_view coding);

// The codings of one message body, undone in reverse order of application.
class ContentDecoderChain {
 public:
  // `applied`: codings in the order they were applied. Returns false (chain left empty) when one is
  // unsupported.
  bool init(const std::vector<std::string>& applied);
  void clear() { stages_.clear(); saw_input_ = false; }
  bool empty() const { return stages_.empty(); }

  DecodeStatus decode(std::span<const uint8_t> in, ByteConsumer& out);
  // Every stage reached its end. A body without any byte counts as finished (nothing to decode).
  bool finished() const;

 private:
  DecodeStatus decode_from(size_t stage, std::span<const uint8_t> in, ByteConsumer& out);

  std::vector<std::unique_ptr<ContentDecoder>> stages_;  // in decoding order
  bool saw_input_ = false;
};

}  // namespace agentprof
