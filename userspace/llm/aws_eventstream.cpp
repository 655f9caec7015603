#include "llm/aws_eventstream.h"

#include <array>

namespace agentprof {

namespace {

uint32_t be32(const char* p) {
  auto b = reinterpret_cast<const unsigned char*>(p);
  return uint32_t(b[0]) << 24 | uint32_t(b[1]) << 16 | uint32_t(b[2]) << 8 | uint32_t(b[3]);
}

uint16_t be16(const char* p) {
  auto b = reinterpret_cast<const unsigned char*>(p);
  return uint16_t(b[0] << 8 | b[1]);
}

constexpr std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto kCrcTable = make_crc_table();

constexpr size_t kPrelude = 12;  // total_len, headers_len, prelude CRC
constexpr size_t kMinMessage = kPrelude + 4;

}  // namespace

uint32_t crc32_ieee(std::string_view bytes) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) c = kCrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

bool base64_decode(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size() / 4 * 3);
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : in) {
    int v;
    if (ch >= 'A' && ch <= 'Z') v = ch - 'A';
    else if (ch >= 'a' && ch <= 'z') v = ch - 'a' + 26;
    else if (ch >= '0' && ch <= '9') v = ch - '0' + 52;
    else if (ch == '+') v = 62;
    else if (ch == '/') v = 63;
    else if (ch == '=') break;
    else return false;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(char((acc >> bits) & 0xFF));
    }
  }
  return true;
}

AwsEventStreamParser::AwsEventStreamParser(Callback callback, size_t max_message_bytes)
    : callback_(std::move(callback)), max_message_bytes_(max_message_bytes) {}

void AwsEventStreamParser::feed(std::string_view bytes) {
  if (malformed_) return;
  if (skip_ > 0) {
    size_t n = std::min(skip_, bytes.size());
    skip_ -= n;
    bytes.remove_prefix(n);
  }
  buf_.append(bytes);
  while (!malformed_ && skip_ == 0 && buf_.size() - start_ >= kPrelude) {
    const char* p = buf_.data() + start_;
    uint32_t total = be32(p);
    uint32_t headers_len = be32(p + 4);
    if (crc32_ieee(std::string_view(p, 8)) != be32(p + 8) || total < kMinMessage ||
        headers_len > total - kMinMessage) {
      malformed_ = true;  // lost sync: nothing after this can be trusted
      break;
    }
    size_t have = buf_.size() - start_;
    if (total > max_message_bytes_) {
      ++dropped_;
      size_t n = std::min<size_t>(total, have);
      start_ += n;
      skip_ = total - n;
      continue;
    }
    if (have < total) break;
    std::string_view msg(p, total);
    start_ += total;
    if (!parse_message(msg)) {
      malformed_ = true;
      break;
    }
  }
  // Compact: drop consumed bytes once they dominate the buffer.
  if (start_ == buf_.size()) {
    buf_.clear();
    start_ = 0;
  } else if (start_ > 4096 && start_ > buf_.size() / 2) {
    buf_.erase(0, start_);
    start_ = 0;
  }
  if (malformed_) {
    buf_ = std::string();
    start_ = 0;
  }
}

bool AwsEventStreamParser::parse_message(std::string_view msg) {
  uint32_t headers_len = be32(msg.data() + 4);
  std::string_view headers = msg.substr(kPrelude, headers_len);
  AwsEventMessage m;
  m.payload = msg.substr(kPrelude + headers_len, msg.size() - kPrelude - headers_len - 4);
  size_t i = 0;
  while (i < headers.size()) {
    size_t name_len = uint8_t(headers[i++]);
    if (i + name_len + 1 > headers.size()) return false;
    std::string_view name = headers.substr(i, name_len);
    i += name_len;
    uint8_t type = uint8_t(headers[i++]);
    size_t value_len = 0;
    switch (type) {
      case 0: case 1: value_len = 0; break;  // bool true / false
      case 2: value_len = 1; break;
      case 3: value_len = 2; break;
      case 4: value_len = 4; break;
      case 5: case 8: value_len = 8; break;
      case 9: value_len = 16; break;
      case 6: case 7:  // bytes / string: u16 length prefix
        if (i + 2 > headers.size()) return false;
        value_len = be16(headers.data() + i);
        i += 2;
        break;
      default:
        return false;
    }
    if (i + value_len > headers.size()) return false;
    if (type == 7) {
      std::string_view value = headers.substr(i, value_len);
      if (name == ":message-type") m.message_type = value;
      else if (name == ":event-type") m.event_type = value;
      else if (name == ":exception-type") m.exception_type = value;
    }
    i += value_len;
  }
  ++messages_;
  callback_(m);
  return true;
}

}  // namespace agentprof
