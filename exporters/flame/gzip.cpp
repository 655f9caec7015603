#include "exporters/flame/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <climits>

namespace agentprof::flame {

bool gzip_compress(std::string_view data, std::string& out, std::string& error) {
  out.clear();
  z_stream zs{};
  constexpr int kGzipWindow = 15 + 16;  // 32 KiB window, gzip header and trailer
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindow, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    error = "gzip: deflateInit2 failed";
    return false;
  }
  out.resize(deflateBound(&zs, data.size()) + 64);
  size_t in_pos = 0;
  int rc = Z_OK;
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(std::min<size_t>(out.size(), UINT_MAX));
  while (rc != Z_STREAM_END) {
    if (zs.avail_in == 0 && in_pos < data.size()) {
      const size_t chunk = std::min<size_t>(data.size() - in_pos, UINT_MAX / 2);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + in_pos));
      zs.avail_in = static_cast<uInt>(chunk);
      in_pos += chunk;
    }
    if (zs.avail_out == 0) {
      const size_t used = out.size();
      out.resize(out.size() * 2);
      zs.next_out = reinterpret_cast<Bytef*>(out.data() + used);
      zs.avail_out = static_cast<uInt>(std::min<size_t>(out.size() - used, UINT_MAX));
    }
    rc = deflate(&zs, in_pos < data.size() ? Z_NO_FLUSH : Z_FINISH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      deflateEnd(&zs);
      out.clear();
      error = "gzip: deflate failed";
      return false;
    }
  }
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return true;
}

}  // namespace agentprof::flame
