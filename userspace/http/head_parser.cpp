#include "http/head_parser.h"

namespace agentprof {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Token characters of RFC 9110 (method and header names).
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

bool is_http1_version(std::string_view v) {
  return v.size() == 8 && v.substr(0, 7) == "HTTP/1." && v[7] >= '0' && v[7] <= '9';
}

// Next line of `text` without its CR/LF terminator; advances `text`.
std::string_view next_line(std::string_view& text) {
  size_t nl = text.find('\n');
  std::string_view line = text.substr(0, nl);
  text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

void parse_headers(std::string_view text, HttpHeaders& out, size_t& bad_lines) {
  while (!text.empty()) {
    std::string_view line = next_line(text);
    if (line.empty()) break;  // end of head
    if (is_space(line.front())) {
      if (out.items.empty()) {
        ++bad_lines;
      } else {
        std::string& v = out.items.back().value;
        std::string_view more = trim(line);
        if (!more.empty()) {
          if (!v.empty()) v.push_back(' ');
          v.append(more);
        }
      }
      continue;
    }
    size_t colon = line.find(':');
    std::string_view name = colon == std::string_view::npos ? std::string_view{} : trim(line.substr(0, colon));
    if (!is_token(name)) {
      ++bad_lines;
      continue;
    }
    HttpHeader h;
    h.name.assign(name);
    for (char& c : h.name)
      if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    h.value.assign(trim(line.substr(colon + 1)));
    out.items.push_back(std::move(h));
  }
}

}  // namespace

bool parse_request_head(std::string_view text, HttpRequestHead& out, size_t& bad_lines) {
  std::string_view line = next_line(text);
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return false;
  size_t sp2 = line.rfind(' ');
  if (sp2 == sp1) return false;
  std::string_view method = line.substr(0, sp1);
  std::string_view target = trim(line.substr(sp1 + 1, sp2 - sp1 - 1));
  std::string_view version = line.substr(sp2 + 1);
  if (!is_token(method) || target.empty() || !is_http1_version(version)) return false;
  out.method.assign(method);
  out.target.assign(target);
  out.version.assign(version);
  parse_headers(text, out.headers, bad_lines);
  return true;
}

bool parse_response_head(std::string_view text, HttpResponseHead& out, size_t& bad_lines) {
  std::string_view line = next_line(text);
  if (line.size() < 12 || !is_http1_version(line.substr(0, 8)) || line[8] != ' ') return false;
  int status = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return false;
    status = status * 10 + (line[i] - '0');
  }
  if (status < 100) return false;
  if (line.size() > 12 && line[12] != ' ') return false;
  out.version.assign(line.substr(0, 8));
  out.status = status;
  out.reason.assign(line.size() > 13 ? line.substr(13) : std::string_view{});
  parse_headers(text, out.headers, bad_lines);
  return true;
}

}  // namespace agentprof
