// gzip (RFC 1952, multi-member) and deflate content codings via zlib. "deflate" is meant to be
// zlib-wrapped (RFC 1950) but some servers send raw deflate (RFC 1951): the first two bytes decide.
#pragma once

#include <zlib.h>

#include <cstdint>

#include "http/content_decoder.h"

namespace agentprof {

class ZlibDecoder final : public ContentDecoder {
 public:
  enum class Format : uint8_t { kGzip, kDeflate };

  explicit ZlibDecoder(Format format) : format_(format) {}
  ~ZlibDecoder() override;
  ZlibDecoder(const ZlibDecoder&) = delete;
  ZlibDecoder& operator=(const ZlibDecoder&) = delete;

  DecodeStatus decode(std::span<const uint8_t> in, ByteConsumer& out) override;
  bool finished() const override { return ended_; }

 private:
  bool start(int window_bits);
  DecodeStatus inflate_some(std::span<const uint8_t> in, ByteConsumer& out);

  Format format_;
  bool initialized_ = false;
  bool ended_ = false;
  bool failed_ = false;
  uint8_t sniff_[2] = {};
  uint8_t sniffed_ = 0;  // deflate: bytes held until the wrapper can be recognised
  z_stream zs_{};
  uint8_t out_buf_[16384];
};

}  // namespace agentprof
