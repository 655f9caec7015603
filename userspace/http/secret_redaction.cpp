#include "http/secret_redaction.h"

#include <algorithm>
#include <array>

namespace agentprof {
namespace {

constexpr std::array<std::string_view, 8> kSecretHeaders = {
    "authorization", "proxy-authorization", "x-api-key", "x-goog-api-key",
    "api-key",       "cookie",              "set-cookie", "x-amz-security-token"};

constexpr std::array<std::string_view, 8> kSecretParams = {
    "key", "api-key", "api_key", "apikey", "access_token", "token", "sig", "signature"};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

bool is_secret_header(std::string_view lower_name) {
  return std::find(kSecretHeaders.begin(), kSecretHeaders.end(), lower_name) != kSecretHeaders.end();
}

bool is_secret_query_param(std::string_view name) {
  for (auto p : kSecretParams)
    if (iequals(name, p)) return true;
  return false;
}

size_t remove_secret_headers(HttpHeaders& headers) {
  auto& v = headers.items;
  size_t before = v.size();
  v.erase(std::remove_if(v.begin(), v.end(), [](const HttpHeader& h) { return is_secret_header(h.name); }),
          v.end());
  return before - v.size();
}

std::string redact_target(std::string_view target) {
  size_t q = target.find('?');
  if (q == std::string_view::npos) return std::string(target);
  std::string out(target.substr(0, q + 1));
  std::string_view query = target.substr(q + 1);
  // A fragment never reaches the wire, but keep whatever follows '#' out of the parameter split.
  while (true) {
    size_t amp = query.find_first_of("&;");
    std::string_view param = query.substr(0, amp);
    size_t eq = param.find('=');
    std::string_view name = param.substr(0, eq);
    if (eq != std::string_view::npos && is_secret_query_param(name)) {
      out.append(name);
      out.append("=REDACTED");
    } else {
      out.append(param);
    }
    if (amp == std::string_view::npos) break;
    out.push_back(query[amp]);
    query.remove_prefix(amp + 1);
  }
  return out;
}

void redact(HttpRequestHead& head) {
  remove_secret_headers(head.headers);
  if (head.target.find('?') != std::string::npos) head.target = redact_target(head.target);
}

void redact(HttpResponseHead& head) { remove_secret_headers(head.headers); }

}  // namespace agentprof
