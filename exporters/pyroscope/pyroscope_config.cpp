#include "exporters/pyroscope/pyroscope_config.h"

#include <sstream>

namespace agentprof::pyroscope {

namespace {

// Pyroscope's /ingest name grammar: "app{key=value,...}". Application names allow [A-Za-z0-9_.-/],
// label names [A-Za-z0-9_.]; values end at ',' or '}' and are trimmed.
bool label_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}
bool app_name_char(char c) { return label_name_char(c) || c == '-' || c == '/'; }

bool has_ctl(const std::string& s) {
  for (char c : s)
    if (uint8_t(c) < 0x20 || c == 0x7f) return true;
  return false;
}

}  // namespace

std::string url_for_display(const std::string& url) {
  std::string out = url.substr(0, url.find_first_of("?#"));
  size_t scheme = out.find("://");
  size_t host_start = scheme == std::string::npos ? 0 : scheme + 3;
  size_t path = out.find('/', host_start);
  size_t at = out.rfind('@', path == std::string::npos ? out.size() : path);
  if (at != std::string::npos && at >= host_start) out.erase(host_start, at + 1 - host_start);
  return out;
}

std::string PyroscopeConfig::validate() const {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    return "pyroscope url must start with http:// or https:// (got '" + url_for_display(url) + "')";
  if (url.find_first_of("?#") != std::string::npos) return "pyroscope url must not have a query or fragment";
  if (app_name.empty()) return "pyroscope app_name is empty";
  for (char c : app_name)
    if (!app_name_char(c))
      return "pyroscope app_name '" + app_name + "': only letters, digits and _ . - / are allowed";
  for (const auto& [k, v] : labels) {
    if (k.empty() || k == "__name__") return "pyroscope label name '" + k + "' is not allowed";
    for (char c : k)
      if (!label_name_char(c)) return "pyroscope label name '" + k + "': only letters, digits, _ and . are allowed";
    if (v.empty() || has_ctl(v) || v.find_first_of(",{}=\"") != std::string::npos || v.front() == ' ' ||
        v.back() == ' ')
      return "pyroscope label '" + k + "': the value must be non-empty, untrimmed, without , { } = \" or control characters";
  }
  if (basic_auth_user.find(':') != std::string::npos) return "pyroscope basic_auth username must not contain ':'";
  if (has_ctl(basic_auth_user) || has_ctl(basic_auth_password) || has_ctl(tenant_id))
    return "pyroscope credentials and tenant_id must not contain control characters";
  for (const auto& [k, v] : headers) {
    if (k.empty() || has_ctl(k) || k.find(':') != std::string::npos || k.find(' ') != std::string::npos)
      return "pyroscope header name '" + k + "' is not valid";
    if (has_ctl(v)) return "pyroscope header '" + k + "': the value must not contain control characters";
  }
  if (timeout.count() <= 0) return "pyroscope timeout must be positive";
  if (max_queue == 0) return "pyroscope max_queue must be at least 1";
  if (max_attempts < 1) return "pyroscope max_attempts must be at least 1";
  return "";
}

std::string PyroscopeConfig::describe() const {
  std::ostringstream o;
  o << "  url: \"" << url_for_display(url) << "\"\n";
  o << "  app_name: \"" << app_name << "\"\n";
  o << "  labels: {";
  for (size_t i = 0; i < labels.size(); i++) o << (i ? ", " : "") << labels[i].first << ": \"" << labels[i].second << "\"";
  o << "}\n";
  o << "  basic_auth: " << (basic_auth_user.empty() ? "none" : "user \"" + basic_auth_user + "\", password <redacted>")
    << "\n";
  o << "  tenant_id: \"" << tenant_id << "\"\n";
  o << "  headers:";
  if (headers.empty()) o << " {}";
  for (const auto& [k, v] : headers) o << " " << k << "=<redacted>";
  o << "\n  timeout: " << timeout.count() / 1000.0 << "s\n";
  return o.str();
}

}  // namespace agentprof::pyroscope
