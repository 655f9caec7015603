#include "cli/raw_redactor.h"

#include <cctype>
#include <string_view>

#include "http/secret_redaction.h"

namespace agentprof {

namespace {

constexpr size_t kMaxName = 32;

// True when the lower-cased recent bytes end with "?name=" or "&name=" for a secret query parameter
// (the same names the HTTP stage redacts).
bool ends_with_secret_param(const std::string& window) {
  if (window.size() < 3 || window.back() != '=') return false;
  size_t sep = window.find_last_of("?&;", window.size() - 2);
  if (sep == std::string::npos) return false;
  return is_secret_query_param(std::string_view(window).substr(sep + 1, window.size() - sep - 2));
}

}  // namespace

void RawRedactor::apply(std::span<uint8_t> bytes) {
  for (uint8_t& b : bytes) on_byte(b);
}

void RawRedactor::on_byte(uint8_t& b) {
  if (h2_.on_byte(b)) return;
  if (b == '\n') {
    at_line_start_ = true;
    in_name_ = true;
    masking_ = masking_query_ = false;
    name_.clear();
    window_.clear();
    return;
  }
  if (masking_ || masking_query_) {
    if (b == '\r' || (masking_query_ && (b == '&' || b == ' ' || b == '#'))) {
      masking_ = masking_query_ = false;
    } else {
      b = '*';
      return;
    }
  }
  char c = char(std::tolower(b));
  if (in_name_) {
    if (c == ':') {
      in_name_ = false;
      if (is_secret_header(name_)) masking_ = true;
      return;
    }
    if (name_.size() < kMaxName && c != ' ' && c != '\r') {
      name_.push_back(c);
    } else {
      in_name_ = false;
    }
  }
  window_.push_back(c);
  if (window_.size() > 24) window_.erase(0, window_.size() - 24);
  if (c == '=' && ends_with_secret_param(window_)) masking_query_ = true;
  at_line_start_ = false;
}

}  // namespace agentprof
