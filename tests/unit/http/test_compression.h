// Compressors used to build content-encoded fixtures inside the tests.
#pragma once

#include <string>
#include <string_view>

namespace agentprof::test {

std::string gzip_compress(std::string_view in);
std::string zlib_compress(std::string_view in);         // deflate with the RFC 1950 wrapper
std::string raw_deflate_compress(std::string_view in);  // RFC 1951 only
std::string brotli_compress(std::string_view in);
std::string zstd_compress(std::string_view in);

}  // namespace agentprof::test
