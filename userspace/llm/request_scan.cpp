#include "llm/request_scan.h"

namespace agentprof {

namespace {

size_t skip_ws(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
  return i;
}

// Index of the closing quote of a string starting after `start`, or npos if cut.
size_t string_end(std::string_view s, size_t start) {
  bool escape = false;
  for (size_t j = start; j < s.size(); ++j) {
    if (escape) escape = false;
    else if (s[j] == '\\') escape = true;
    else if (s[j] == '"') return j;
  }
  return std::string_view::npos;
}

}  // namespace

RequestScan scan_request_prefix(std::string_view s) {
  RequestScan out;
  int depth = 0;
  size_t i = 0;
  while (i < s.size() && !(out.model && out.stream)) {
    char c = s[i];
    if (c == '"') {
      size_t end = string_end(s, i + 1);
      if (end == std::string_view::npos) break;
      std::string_view str = s.substr(i + 1, end - i - 1);
      i = end + 1;
      if (depth != 1) continue;
      size_t k = skip_ws(s, i);
      if (k >= s.size() || s[k] != ':') continue;  // a value, not a key
      k = skip_ws(s, k + 1);
      if (str == "model" && !out.model && k < s.size() && s[k] == '"') {
        size_t vend = string_end(s, k + 1);
        std::string_view v = vend == std::string_view::npos ? std::string_view() : s.substr(k + 1, vend - k - 1);
        if (!v.empty() && v.size() <= 256 && v.find('\\') == std::string_view::npos) out.model = std::string(v);
      } else if (str == "stream" && !out.stream) {
        if (s.substr(k, 4) == "true") out.stream = true;
        else if (s.substr(k, 5) == "false") out.stream = false;
      }
      i = k;
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    else if (c == '}' || c == ']') --depth;
    ++i;
  }
  return out;
}

}  // namespace agentprof
