// gzip (RFC 1952) compression of a request body, for Content-Encoding: gzip.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace agentprof::otlp {

// nullopt only if zlib fails (out of memory); the caller then sends uncompressed.
std::optional<std::string> gzip_compress(std::string_view data, int level = 6);

}  // namespace agentprof::otlp
