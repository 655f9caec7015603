#include "llm/request_route.h"

#include <charconv>

namespace agentprof {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool contains(std::string_view s, std::string_view needle) {
  return s.find(needle) != std::string_view::npos;
}

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(char(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// Splits "host", "host:port", "[v6]:port" into host and optional port.
void split_host(std::string_view value, std::string& host, std::optional<uint16_t>& port) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  std::string_view port_text;
  if (!value.empty() && value.front() == '[') {
    size_t close = value.find(']');
    if (close == std::string_view::npos) {
      host = lower(value);
      return;
    }
    host = lower(value.substr(1, close - 1));
    if (close + 1 < value.size() && value[close + 1] == ':') port_text = value.substr(close + 2);
  } else {
    size_t colon = value.rfind(':');
    if (colon != std::string_view::npos && value.find(':') == colon) {
      host = lower(value.substr(0, colon));
      port_text = value.substr(colon + 1);
    } else {
      host = lower(value);
    }
  }
  if (!port_text.empty()) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), v);
    if (ec == std::errc() && p == port_text.data() + port_text.size() && v > 0 && v <= 65535)
      port = uint16_t(v);
  }
}

}  // namespace

std::optional<std::string_view> RequestRoute::query_param(std::string_view name) const {
  std::string_view q = query;
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    if (key == name) return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::optional<uint16_t> RequestRoute::server_port() const {
  if (host_port) return host_port;
  if (remote_port != 0) return remote_port;
  return std::nullopt;
}

RequestRoute make_route(const HttpRequestHead& head, const ConnMeta& conn) {
  RequestRoute r;
  r.method = head.method;
  std::string_view target = head.target;
  // Absolute-form targets (proxies) carry scheme and authority: keep only the path.
  if (size_t scheme = target.find("://"); scheme != std::string_view::npos && scheme < target.find('/')) {
    size_t path_start = target.find('/', scheme + 3);
    target = path_start == std::string_view::npos ? std::string_view("/") : target.substr(path_start);
  }
  size_t qmark = target.find('?');
  r.path = std::string(target.substr(0, qmark));
  if (qmark != std::string_view::npos) r.query = std::string(target.substr(qmark + 1));
  if (const std::string* host = head.headers.find("host")) split_host(*host, r.host, r.host_port);
  if (r.host.empty()) r.host = conn.remote.address;
  r.remote_port = conn.remote.port;
  return r;
}

std::optional<std::string> path_segment_after(std::string_view path, std::string_view marker,
                                              std::string_view stop_chars) {
  size_t at = path.find(marker);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = path.substr(at + marker.size());
  size_t end = rest.find_first_of(stop_chars);
  std::string seg = percent_decode(rest.substr(0, end));
  if (seg.empty()) return std::nullopt;
  return seg;
}

}  // namespace agentprof
