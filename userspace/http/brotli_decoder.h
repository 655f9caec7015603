// br content coding (RFC 7932) via libbrotlidec, streaming.
#pragma once

#include <brotli/decode.h>

#include "http/content_decoder.h"

namespace agentprof {

class BrotliDecoder final : public ContentDecoder {
 public:
  BrotliDecoder();
  ~BrotliDecoder() override;
  BrotliDecoder(const BrotliDecoder&) = delete;
  BrotliDecoder& operator=(const BrotliDecoder&) = delete;

  DecodeStatus decode(std::span<const uint8_t> in, ByteConsumer& out) override;
  bool finished() const override { return ended_; }

 private:
  BrotliDecoderState* state_ = nullptr;
  bool ended_ = false;
  bool failed_ = false;
  uint8_t out_buf_[16384];
};

}  // namespace agentprof
