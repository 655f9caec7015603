// Parses a complete HTTP/1 message head (start line and header lines, terminated by an empty line)
// into the structures handed to the llm stage. Header names are lower-cased.
#pragma once

#include <cstddef>
#include <string_view>

#include "http/http_message.h"

namespace agentprof {

// Both return false when the start line is not HTTP/1.x. `bad_lines` counts header lines without a
// colon, which are skipped. Obsolete line folding (a line starting with SP/HTAB) continues the
// previous header value.
bool parse_request_head(std::string_view text, HttpRequestHead& out, size_t& bad_lines);
bool parse_response_head(std::string_view text, HttpResponseHead& out, size_t& bad_lines);

}  // namespace agentprof
