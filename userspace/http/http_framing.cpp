#include "http/http_framing.h"

#include <string_view>

namespace agentprof {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Appends the comma-separated lower-case tokens of every `name` header (parameters after ';'
// dropped).
void collect_tokens(const HttpHeaders& headers, std::string_view name, std::vector<std::string>& out) {
  for (const auto& h : headers.items) {
    if (h.name != name) continue;
    std::string_view v = h.value;
    while (!v.empty()) {
      size_t comma = v.find(',');
      std::string_view item = v.substr(0, comma);
      v.remove_prefix(comma == std::string_view::npos ? v.size() : comma + 1);
      item = trim(item.substr(0, item.find(';')));
      if (item.empty()) continue;
      std::string token(item);
      for (char& c : token)
        if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
      out.push_back(std::move(token));
    }
  }
}

// Every content-length value (list members and repeated headers) must be the same number.
// Returns false when invalid; `found` says whether any was present.
bool content_length(const HttpHeaders& headers, bool& found, uint64_t& length) {
  found = false;
  for (const auto& h : headers.items) {
    if (h.name != "content-length") continue;
    std::string_view v = h.value;
    do {
      size_t comma = v.find(',');
      std::string_view item = trim(v.substr(0, comma));
      v.remove_prefix(comma == std::string_view::npos ? v.size() : comma + 1);
      if (item.empty() || item.size() > 18) return false;  // 18 digits cannot overflow
      uint64_t n = 0;
      for (char c : item) {
        if (c < '0' || c > '9') return false;
        n = n * 10 + uint64_t(c - '0');
      }
      if (found && n != length) return false;
      found = true;
      length = n;
    } while (!v.empty());
  }
  return true;
}

// Fills out.codings and says whether the last transfer coding is chunked.
void collect_codings(const HttpHeaders& headers, HttpFraming& out, bool& has_te, bool& chunked) {
  std::vector<std::string> content, transfer;
  collect_tokens(headers, "content-encoding", content);
  collect_tokens(headers, "transfer-encoding", transfer);
  has_te = !transfer.empty();
  chunked = has_te && transfer.back() == "chunked";
  if (chunked) transfer.pop_back();
  out.codings.clear();
  for (auto* list : {&content, &transfer})
    for (auto& c : *list)
      if (c != "identity" && c != "chunked") out.codings.push_back(std::move(c));
}

}  // namespace

std::vector<std::string> content_codings(const HttpHeaders& headers) {
  std::vector<std::string> content, out;
  collect_tokens(headers, "content-encoding", content);
  for (auto& c : content)
    if (c != "identity") out.push_back(std::move(c));
  return out;
}

bool request_framing(const HttpHeaders& headers, HttpFraming& out) {
  bool has_te = false, chunked = false;
  collect_codings(headers, out, has_te, chunked);
  if (has_te) {
    if (!chunked) return false;  // a request body must be delimited
    out.kind = HttpFramingKind::kChunked;
    return true;
  }
  bool found = false;
  uint64_t length = 0;
  if (!content_length(headers, found, length)) return false;
  out.kind = found && length > 0 ? HttpFramingKind::kLength : HttpFramingKind::kNone;
  out.length = length;
  return true;
}

bool response_framing(int status, bool no_body, const HttpHeaders& headers, HttpFraming& out) {
  bool has_te = false, chunked = false;
  collect_codings(headers, out, has_te, chunked);
  if (no_body || (status >= 100 && status < 200) || status == 204 || status == 304) {
    out.kind = HttpFramingKind::kNone;
    return true;
  }
  if (has_te) {
    out.kind = chunked ? HttpFramingKind::kChunked : HttpFramingKind::kUntilClose;
    return true;
  }
  bool found = false;
  uint64_t length = 0;
  if (!content_length(headers, found, length)) return false;
  if (!found) {
    out.kind = HttpFramingKind::kUntilClose;
    return true;
  }
  out.kind = length > 0 ? HttpFramingKind::kLength : HttpFramingKind::kNone;
  out.length = length;
  return true;
}

}  // namespace agentprof
