#include "test_compression.h"

#include <brotli/encode.h>
#include <zlib.h>
#include <zstd.h>

#include <stdexcept>

namespace agentprof::test {
namespace {

std::string zlib_family(std::string_view in, int window_bits) {
  z_stream zs{};
  if (deflateInit2(&zs, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2");
  std::string out(deflateBound(&zs, uLong(in.size())) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = uInt(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = uInt(out.size());
  if (deflate(&zs, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate");
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

}  // namespace

std::string gzip_compress(std::string_view in) { return zlib_family(in, 16 + 15); }
std::string zlib_compress(std::string_view in) { return zlib_family(in, 15); }
std::string raw_deflate_compress(std::string_view in) { return zlib_family(in, -15); }

std::string brotli_compress(std::string_view in) {
  size_t size = BrotliEncoderMaxCompressedSize(in.size()) + 64;
  std::string out(size, '\0');
  if (!BrotliEncoderCompress(5, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, in.size(),
                             reinterpret_cast<const uint8_t*>(in.data()), &size,
                             reinterpret_cast<uint8_t*>(out.data())))
    throw std::runtime_error("brotli");
  out.resize(size);
  return out;
}

std::string zstd_compress(std::string_view in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
  if (ZSTD_isError(n)) throw std::runtime_error("zstd");
  out.resize(n);
  return out;
}

}  // namespace agentprof::test
