// HPACK header-block decoding (RFC 7541) for one direction of an HTTP/2 connection, on nghttp2's
// inflater. Its dynamic table is shared by every header block of the direction, in order: a block
// skipped or lost leaves the table unknown, and the direction cannot be decoded any further.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "http/http_message.h"

struct nghttp2_hd_inflater;

namespace agentprof {

class HpackDecoder {
 public:
  HpackDecoder();
  ~HpackDecoder();
  HpackDecoder(const HpackDecoder&) = delete;
  HpackDecoder& operator=(const HpackDecoder&) = delete;

  bool ok() const { return inflater_ != nullptr && !failed_; }

  // Decodes one complete header block into `out` (names lower-case as HTTP/2 requires, pseudo
  // headers included). Fields past `max_decoded_bytes` in total are decoded (the table needs them)
  // but not kept, and `over_limit` is set. False on a malformed block: the decoder is then failed.
  bool decode(std::span<const uint8_t> block, HttpHeaders& out, size_t max_decoded_bytes, bool& over_limit);

  // The peer's SETTINGS_HEADER_TABLE_SIZE: the most the encoder of this direction may use.
  bool set_max_table_size(uint32_t bytes);

 private:
  nghttp2_hd_inflater* inflater_ = nullptr;
  bool failed_ = false;
};

}  // namespace agentprof
