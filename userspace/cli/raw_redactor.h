// Masks secrets in raw captured bytes before `--raw` prints them: the values of credential headers
// (Authorization, x-api-key, x-goog-api-key, api-key, proxy-authorization, cookie, set-cookie) and
// of credential query parameters (key, api-key, api_key, access_token, token, sig, signature).
// HTTP/2 directions have their header blocks masked whole (RawH2Masker).
// Bytes are replaced in place by '*', so positions stay exact. State carries across chunks, so a
// secret split between two captured chunks is still masked.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "cli/raw_h2_masker.h"

namespace agentprof {

class RawRedactor {
 public:
  // Masks `bytes` in place.
  void apply(std::span<uint8_t> bytes);

 private:
  void on_byte(uint8_t& b);
  RawH2Masker h2_;
  bool at_line_start_ = true;
  bool in_name_ = true;        // still reading a possible header name on this line
  bool masking_ = false;       // inside a secret value
  bool masking_query_ = false; // a query value ends at '&', ' ', '#', CR or LF
  std::string name_;           // lower-case header name so far
  std::string window_;         // last bytes of the line, lower-case, to spot "?key=" / "&token="
};

}  // namespace agentprof
