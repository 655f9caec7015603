#include "symbolizer/minidebuginfo.h"

#include <lzma.h>

namespace agentprof::symbolizer {

std::optional<std::vector<char>> xz_decompress(std::string_view compressed, std::string* error,
                                               size_t max_output) {
  lzma_stream strm = LZMA_STREAM_INIT;
  // Decoder memory limit: generous for real minidebuginfo, bounded for hostile headers.
  if (lzma_stream_decoder(&strm, uint64_t{256} << 20, 0) != LZMA_OK) {
    if (error) *error = "lzma init failed";
    return std::nullopt;
  }
  std::vector<char> out;
  out.resize(std::min<size_t>(max_output, std::max<size_t>(compressed.size() * 4, 4096)));
  strm.next_in = reinterpret_cast<const uint8_t*>(compressed.data());
  strm.avail_in = compressed.size();
  size_t produced = 0;
  lzma_ret ret = LZMA_OK;
  while (true) {
    if (produced == out.size()) {
      if (out.size() >= max_output) {
        ret = LZMA_MEMLIMIT_ERROR;
        break;
      }
      out.resize(std::min(max_output, out.size() * 2));
    }
    strm.next_out = reinterpret_cast<uint8_t*>(out.data() + produced);
    strm.avail_out = out.size() - produced;
    ret = lzma_code(&strm, LZMA_FINISH);
    produced = out.size() - strm.avail_out;
    if (ret != LZMA_OK) break;
  }
  lzma_end(&strm);
  if (ret != LZMA_STREAM_END) {
    if (error) *error = ret == LZMA_MEMLIMIT_ERROR ? "xz output too large" : "corrupt xz data";
    return std::nullopt;
  }
  out.resize(produced);
  return out;
}

}  // namespace agentprof::symbolizer
