// zstd content coding (RFC 8878) via ZSTD_decompressStream; concatenated frames are accepted.
#pragma once

#include <zstd.h>

#include "http/content_decoder.h"

namespace agentprof {

class ZstdDecoder final : public ContentDecoder {
 public:
  ZstdDecoder();
  ~ZstdDecoder() override;
  ZstdDecoder(const ZstdDecoder&) = delete;
  ZstdDecoder& operator=(const ZstdDecoder&) = delete;

  DecodeStatus decode(std::span<const uint8_t> in, ByteConsumer& out) override;
  bool finished() const override { return frame_complete_; }

 private:
  ZSTD_DStream* stream_ = nullptr;
  bool frame_complete_ = false;
  bool failed_ = false;
  uint8_t out_buf_[16384];
};

}  // namespace agentprof
