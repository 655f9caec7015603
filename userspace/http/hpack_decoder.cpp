#include "http/hpack_decoder.h"

#include <nghttp2/nghttp2.h>

namespace agentprof {

HpackDecoder::HpackDecoder() {
  if (nghttp2_hd_inflate_new(&inflater_) != 0) inflater_ = nullptr;
}

HpackDecoder::~HpackDecoder() {
  if (inflater_) nghttp2_hd_inflate_del(inflater_);
}

bool HpackDecoder::set_max_table_size(uint32_t bytes) {
  if (!ok()) return false;
  if (nghttp2_hd_inflate_change_table_size(inflater_, bytes) != 0) failed_ = true;
  return ok();
}

bool HpackDecoder::decode(std::span<const uint8_t> block, HttpHeaders& out, size_t max_decoded_bytes,
                          bool& over_limit) {
  over_limit = false;
  if (!ok()) return false;
  size_t kept = 0;
  const uint8_t* in = block.data();
  size_t left = block.size();
  for (;;) {
    nghttp2_nv nv;
    int flags = 0;
    // in_final = 1: the whole block is here; the inflater must end on it.
    ssize_t used = nghttp2_hd_inflate_hd2(inflater_, &nv, &flags, in, left, 1);
    if (used < 0) {
      failed_ = true;
      return false;
    }
    in += used;
    left -= size_t(used);
    if (flags & NGHTTP2_HD_INFLATE_EMIT) {
      size_t size = nv.namelen + nv.valuelen;
      if (kept + size > max_decoded_bytes) {
        over_limit = true;
      } else {
        kept += size;
        out.items.push_back({std::string(reinterpret_cast<const char*>(nv.name), nv.namelen),
                             std::string(reinterpret_cast<const char*>(nv.value), nv.valuelen)});
      }
    }
    if (flags & NGHTTP2_HD_INFLATE_FINAL) {
      nghttp2_hd_inflate_end_headers(inflater_);
      break;
    }
    if (used == 0 && !(flags & NGHTTP2_HD_INFLATE_EMIT)) {
      // No progress and no end: the block stops inside a field.
      failed_ = true;
      return false;
    }
  }
  if (left != 0) {
    failed_ = true;
    return false;
  }
  return true;
}

}  // namespace agentprof
