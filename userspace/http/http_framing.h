// How the body of an HTTP/1 message is delimited (RFC 9112 section 6.3) and which codings were
// applied to it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "http/http_message.h"

namespace agentprof {

enum class HttpFramingKind : uint8_t {
  kNone,        // no body
  kLength,      // content-length bytes
  kChunked,     // transfer-encoding chunked
  kUntilClose,  // response body read until the connection closes
};

struct HttpFraming {
  HttpFramingKind kind = HttpFramingKind::kNone;
  uint64_t length = 0;  // kLength only
  // Lower-case codings in the order they were applied: content-encoding values, then transfer
  // codings other than chunked. "identity" is left out. Decoding applies them in reverse.
  std::vector<std::string> codings;
};

// Both return false when the framing headers are invalid (unparsable or conflicting
// content-length, a request whose transfer-encoding does not end with chunked).
bool request_framing(const HttpHeaders& headers, HttpFraming& out);
// `no_body`: the response to a HEAD request, or a 2xx answer to CONNECT.
bool response_framing(int status, bool no_body, const HttpHeaders& headers, HttpFraming& out);

// Lower-case content-encoding codings in the order applied, "identity" left out (HTTP/2 messages,
// whose frames delimit the body, have no transfer codings).
std::vector<std::string> content_codings(const HttpHeaders& headers);

}  // namespace agentprof
