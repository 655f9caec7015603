#include "http/brotli_decoder.h"

namespace agentprof {

BrotliDecoder::BrotliDecoder() : state_(BrotliDecoderCreateInstance(nullptr, nullptr, nullptr)) {}

BrotliDecoder::~BrotliDecoder() {
  if (state_) BrotliDecoderDestroyInstance(state_);
}

DecodeStatus BrotliDecoder::decode(std::span<const uint8_t> in, ByteConsumer& out) {
  if (failed_ || !state_) return DecodeStatus::kError;
  if (in.empty()) return DecodeStatus::kOk;
  if (ended_) return failed_ = true, DecodeStatus::kError;  // data after the end of the stream
  size_t avail_in = in.size();
  const uint8_t* next_in = in.data();
  while (true) {
    size_t avail_out = sizeof(out_buf_);
    uint8_t* next_out = out_buf_;
    BrotliDecoderResult r =
        BrotliDecoderDecompressStream(state_, &avail_in, &next_in, &avail_out, &next_out, nullptr);
    if (r == BROTLI_DECODER_RESULT_ERROR) return failed_ = true, DecodeStatus::kError;
    size_t produced = sizeof(out_buf_) - avail_out;
    if (produced && !out.consume(std::span<const uint8_t>(out_buf_, produced))) return DecodeStatus::kStopped;
    if (r == BROTLI_DECODER_RESULT_SUCCESS) {
      ended_ = true;
      if (avail_in != 0) return failed_ = true, DecodeStatus::kError;
      return DecodeStatus::kOk;
    }
    if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) return DecodeStatus::kOk;
    // BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT: loop with a fresh buffer.
  }
}

}  // namespace agentprof
