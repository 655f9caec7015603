#include "exporters/pyroscope/pyroscope_request.h"

namespace agentprof::pyroscope {

std::string series_name(const PyroscopeConfig& config) {
  std::string name = config.app_name + "{";
  for (size_t i = 0; i < config.labels.size(); i++) {
    if (i) name += ',';
    name += config.labels[i].first + "=" + config.labels[i].second;
  }
  return name + "}";
}

std::string url_encode(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                 c == '_' || c == '~';
    if (plain) {
      out.push_back(char(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string base64(const std::string& bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8 | uint8_t(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out.push_back(kAlphabet[(v >> shift) & 63]);
  }
  if (i < bytes.size()) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
    if (i + 1 < bytes.size()) v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

IngestRequest build_ingest_request(const PyroscopeConfig& config, uint64_t from_unix_s, uint64_t until_unix_s,
                                   uint32_t sample_rate_hz, std::string pprof_gz) {
  IngestRequest r;
  std::string base = config.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (until_unix_s <= from_unix_s) until_unix_s = from_unix_s + 1;
  r.url = base + "/ingest?name=" + url_encode(series_name(config)) + "&from=" + std::to_string(from_unix_s) +
          "&until=" + std::to_string(until_unix_s) + "&format=pprof&sampleRate=" + std::to_string(sample_rate_hz) +
          "&spyName=agentprof";
  r.headers.push_back("Content-Type: application/octet-stream");
  r.headers.push_back("User-Agent: agentprof");
  if (!config.basic_auth_user.empty())
    r.headers.push_back("Authorization: Basic " + base64(config.basic_auth_user + ":" + config.basic_auth_password));
  if (!config.tenant_id.empty()) r.headers.push_back("X-Scope-OrgID: " + config.tenant_id);
  for (const auto& [k, v] : config.headers) r.headers.push_back(k + ": " + v);
  r.body = std::move(pprof_gz);
  return r;
}

}  // namespace agentprof::pyroscope
