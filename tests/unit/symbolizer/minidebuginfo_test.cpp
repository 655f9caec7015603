#include <catch2/catch.hpp>

#include <lzma.h>

#include "symbolizer/minidebuginfo.h"

using agentprof::symbolizer::xz_decompress;

namespace {
std::string xz(const std::string& plain) {
  std::string out(lzma_stream_buffer_bound(plain.size()), '\0');
  size_t pos = 0;
  REQUIRE(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, nullptr, reinterpret_cast<const uint8_t*>(plain.data()),
                                  plain.size(), reinterpret_cast<uint8_t*>(out.data()), &pos, out.size()) == LZMA_OK);
  out.resize(pos);
  return out;
}
}  // namespace

TEST_CASE("xz streams decompress; corrupt or oversized ones are refused") {
  std::string plain(100000, 'x');
  for (size_t i = 0; i < plain.size(); i += 7) plain[i] = static_cast<char>('a' + i % 26);
  std::string packed = xz(plain);
  std::string error;
  auto out = xz_decompress(packed, &error);
  REQUIRE(out);
  CHECK(std::string(out->begin(), out->end()) == plain);

  CHECK_FALSE(xz_decompress(packed, &error, 1000));
  CHECK(error == "xz output too large");
  std::string corrupt = packed;
  corrupt[corrupt.size() / 2] ^= 0x55;
  CHECK_FALSE(xz_decompress(corrupt, &error));
  CHECK_FALSE(xz_decompress(packed.substr(0, packed.size() / 2), &error));
  CHECK_FALSE(xz_decompress("not xz at all", &error));
}
