// Builds HTTP/2 byte streams for tests: frames, and header blocks from nghttp2's HPACK encoder
// (one per direction, so the dynamic table is exercised the way real peers use it).
#pragma once

#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace agentprof::test {

inline const std::string kH2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

enum : uint8_t { kH2Data = 0, kH2Headers = 1, kH2RstStream = 3, kH2Settings = 4, kH2PushPromise = 5,
                 kH2Ping = 6, kH2GoAway = 7, kH2WindowUpdate = 8, kH2Continuation = 9 };
enum : uint8_t { kH2EndStream = 0x1, kH2EndHeaders = 0x4, kH2Padded = 0x8, kH2Priority = 0x20 };

inline std::string h2_frame(uint8_t type, uint8_t flags, uint32_t stream, const std::string& payload) {
  std::string f;
  size_t n = payload.size();
  f += char(n >> 16);
  f += char(n >> 8);
  f += char(n);
  f += char(type);
  f += char(flags);
  f += char(stream >> 24);
  f += char(stream >> 16);
  f += char(stream >> 8);
  f += char(stream);
  return f + payload;
}

inline std::string h2_settings(std::vector<std::pair<uint16_t, uint32_t>> entries = {}) {
  std::string p;
  for (auto [id, v] : entries) {
    p += char(id >> 8);
    p += char(id);
    p += char(v >> 24);
    p += char(v >> 16);
    p += char(v >> 8);
    p += char(v);
  }
  return h2_frame(kH2Settings, 0, 0, p);
}

class HpackEncoder {
 public:
  HpackEncoder() {
    if (nghttp2_hd_deflate_new(&deflater_, 4096) != 0) throw std::runtime_error("nghttp2_hd_deflate_new");
  }
  ~HpackEncoder() { nghttp2_hd_deflate_del(deflater_); }
  HpackEncoder(const HpackEncoder&) = delete;
  HpackEncoder& operator=(const HpackEncoder&) = delete;

  std::string encode(const std::vector<std::pair<std::string, std::string>>& fields) {
    std::vector<nghttp2_nv> nva;
    for (auto& [n, v] : fields)
      nva.push_back({(uint8_t*)n.data(), (uint8_t*)v.data(), n.size(), v.size(), NGHTTP2_NV_FLAG_NONE});
    std::string out(nghttp2_hd_deflate_bound(deflater_, nva.data(), nva.size()), '\0');
    ssize_t n = nghttp2_hd_deflate_hd(deflater_, (uint8_t*)out.data(), out.size(), nva.data(), nva.size());
    if (n < 0) throw std::runtime_error("nghttp2_hd_deflate_hd");
    out.resize(size_t(n));
    return out;
  }

 private:
  nghttp2_hd_deflater* deflater_ = nullptr;
};

}  // namespace agentprof::test
