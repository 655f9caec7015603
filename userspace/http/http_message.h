// Parsed HTTP message heads, as handed from the http stage to the llm stage.
// Secret headers (authorization, x-api-key, x-goog-api-key, api-key, proxy-authorization, cookie,
// set-cookie) are removed and secret query parameters (key, api-key, api_key, access_token, token,
// sig) are replaced by "REDACTED" before a head leaves the http stage.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace agentprof {

struct HttpHeader {
  std::string name;  // lower-case
  std::string value;
};

struct HttpHeaders {
  std::vector<HttpHeader> items;
  // First header with this lower-case name, or nullptr.
  const std::string* find(std::string_view lower_name) const {
    for (const auto& h : items)
      if (h.name == lower_name) return &h.value;
    return nullptr;
  }
};

struct HttpRequestHead {
  std::string method;
  std::string target;  // origin-form path and query, secrets redacted
  std::string version; // "HTTP/1.1"
  HttpHeaders headers;
};

struct HttpResponseHead {
  int status = 0;
  std::string reason;
  std::string version;
  HttpHeaders headers;
};

// How a message body ended.
enum class BodyEnd : uint8_t {
  kComplete = 0,   // framing said it was complete (content-length reached, last chunk, or no body)
  kClosed = 1,     // the connection closed; complete for read-until-close bodies, else cut short
  kGap = 2,        // bytes were lost mid-body: what follows is unknown
  kTruncated = 3,  // the configured size cap was reached; the rest was not decoded
  kMalformed = 4,  // framing or content decoding failed
};

const char* to_string(BodyEnd end);

}  // namespace agentprof
