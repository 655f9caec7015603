// Bounds of the http stage: every buffer it keeps is capped by one of these.
#pragma once

#include <cstddef>

namespace agentprof {

struct HttpLimits {
  // A message head (start line + headers) larger than this is a parse error; the parser resyncs.
  size_t max_head_bytes = 64u << 10;
  // Decoded body bytes handed to the sink per message. Beyond it decoding stops, the framing is
  // still followed (so the next keep-alive message parses) and the body ends with kTruncated.
  size_t max_decoded_body_bytes = 8u << 20;
  // Bytes scanned per direction of a new connection looking for an HTTP/1 start line before it is
  // declared not HTTP (covers attaching to a connection in the middle of a message).
  size_t max_sniff_bytes = 64u << 10;
  // Requests waiting for their response on one connection (pipelining). Past it new requests are
  // followed but not handed on, counted in HttpStats::dropped_exchanges.
  size_t max_open_exchanges = 64;
};

}  // namespace agentprof
