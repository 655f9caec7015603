// gzip (RFC 1952) compression of a whole buffer, for .pb.gz profiles.
#pragma once

#include <string>
#include <string_view>

namespace agentprof::flame {

// False (with `error`) only if zlib fails (out of memory).
bool gzip_compress(std::string_view data, std::string& out, std::string& error);

}  // namespace agentprof::flame
