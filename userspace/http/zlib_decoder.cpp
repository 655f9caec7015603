#include "http/zlib_decoder.h"

namespace agentprof {

ZlibDecoder::~ZlibDecoder() {
  if (initialized_) inflateEnd(&zs_);
}

bool ZlibDecoder::start(int window_bits) {
  zs_ = z_stream{};
  if (inflateInit2(&zs_, window_bits) != Z_OK) return false;
  initialized_ = true;
  return true;
}

DecodeStatus ZlibDecoder::decode(std::span<const uint8_t> in, ByteConsumer& out) {
  if (failed_) return DecodeStatus::kError;
  if (!initialized_) {
    if (format_ == Format::kGzip) {
      if (!start(16 + MAX_WBITS)) return failed_ = true, DecodeStatus::kError;
    } else {
      while (sniffed_ < 2 && !in.empty()) {
        sniff_[sniffed_++] = in[0];
        in = in.subspan(1);
      }
      if (sniffed_ < 2) return DecodeStatus::kOk;
      // RFC 1950 header: CM = 8 and the 16-bit header a multiple of 31.
      bool wrapped = (sniff_[0] & 0x0f) == 8 && ((unsigned(sniff_[0]) << 8) | sniff_[1]) % 31 == 0;
      if (!start(wrapped ? MAX_WBITS : -MAX_WBITS)) return failed_ = true, DecodeStatus::kError;
      DecodeStatus s = inflate_some(std::span<const uint8_t>(sniff_, 2), out);
      if (s != DecodeStatus::kOk) return s;
    }
  }
  return inflate_some(in, out);
}

DecodeStatus ZlibDecoder::inflate_some(std::span<const uint8_t> in, ByteConsumer& out) {
  zs_.next_in = const_cast<Bytef*>(in.data());
  zs_.avail_in = uInt(in.size());
  while (true) {
    if (ended_) {
      if (zs_.avail_in == 0) return DecodeStatus::kOk;
      // Another gzip member may follow; anything after a deflate stream is an error.
      if (format_ != Format::kGzip || inflateReset(&zs_) != Z_OK) return failed_ = true, DecodeStatus::kError;
      ended_ = false;
    }
    zs_.next_out = out_buf_;
    zs_.avail_out = sizeof(out_buf_);
    int r = inflate(&zs_, Z_NO_FLUSH);
    size_t produced = sizeof(out_buf_) - zs_.avail_out;
    if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR) return failed_ = true, DecodeStatus::kError;
    if (produced && !out.consume(std::span<const uint8_t>(out_buf_, produced))) return DecodeStatus::kStopped;
    if (r == Z_STREAM_END) {
      ended_ = true;
      continue;
    }
    // Z_BUF_ERROR: no progress possible, which only happens once the input is used up.
    if (zs_.avail_in == 0 && produced < sizeof(out_buf_)) return DecodeStatus::kOk;
    if (r == Z_BUF_ERROR && zs_.avail_in != 0) return failed_ = true, DecodeStatus::kError;
  }
}

}  // namespace agentprof
