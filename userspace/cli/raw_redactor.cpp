#include "cli/raw_redactor.h"

#include <array>
#include <cctype>
#include <string_view>

namespace agentprof {

namespace {

constexpr std::array<std::string_view, 7> kSecretHeaders = {
    "authorization", "proxy-authorization", "x-api-key", "x-goog-api-key", "api-key", "cookie",
    "set-cookie"};
constexpr std::array<std::string_view, 7> kSecretParams = {"key", "api-key", "api_key",
                                                           "access_token", "token", "sig", "signature"};
constexpr size_t kMaxName = 32;

bool ends_with_param(const std::string& window) {
  for (std::string_view p : kSecretParams) {
    if (window.size() < p.size() + 2) continue;
    std::string_view tail(window.data() + window.size() - p.size() - 2, p.size() + 2);
    if ((tail[0] == '?' || tail[0] == '&') && tail.substr(1, p.size()) == p && tail.back() == '=')
      return true;
  }
  return false;
}

}  // namespace

void RawRedactor::apply(std::span<uint8_t> bytes) {
  for (uint8_t& b : bytes) on_byte(b);
}

void RawRedactor::on_byte(uint8_t& b) {
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
      for (std::string_view h : kSecretHeaders)
        if (name_ == h) masking_ = true;
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
  if (c == '=' && ends_with_param(window_)) masking_query_ = true;
  at_line_start_ = false;
}

}  // namespace agentprof
