#include "http/zstd_decoder.h"

namespace agentprof {

// RFC 8878 asks HTTP decoders to support windows up to 8 MiB; larger ones are refused so one
// connection cannot make us allocate more.
constexpr int kMaxWindowLog = 23;

ZstdDecoder::ZstdDecoder() : stream_(ZSTD_createDStream()) {
  if (stream_) ZSTD_DCtx_setParameter(stream_, ZSTD_d_windowLogMax, kMaxWindowLog);
}

ZstdDecoder::~ZstdDecoder() {
  if (stream_) ZSTD_freeDStream(stream_);
}

DecodeStatus ZstdDecoder::decode(std::span<const uint8_t> in, ByteConsumer& out) {
  if (failed_ || !stream_) return DecodeStatus::kError;
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  while (input.pos < input.size) {
    ZSTD_outBuffer output{out_buf_, sizeof(out_buf_), 0};
    size_t r = ZSTD_decompressStream(stream_, &output, &input);
    if (ZSTD_isError(r)) return failed_ = true, DecodeStatus::kError;
    frame_complete_ = r == 0;
    if (output.pos && !out.consume(std::span<const uint8_t>(out_buf_, output.pos))) return DecodeStatus::kStopped;
    // A full output buffer may hide more output even with all input read: flush it.
    while (input.pos == input.size && output.pos == output.size) {
      output = ZSTD_outBuffer{out_buf_, sizeof(out_buf_), 0};
      r = ZSTD_decompressStream(stream_, &output, &input);
      if (ZSTD_isError(r)) return failed_ = true, DecodeStatus::kError;
      frame_complete_ = r == 0;
      if (output.pos && !out.consume(std::span<const uint8_t>(out_buf_, output.pos))) return DecodeStatus::kStopped;
    }
  }
  return DecodeStatus::kOk;
}

}  // namespace agentprof
