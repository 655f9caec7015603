// One finished span, in the shape the exporters (JSONL, terminal, later OTLP) consume.
// Attribute value types are exact on purpose: int64 for counts, double for seconds and money,
// bool for flags, string arrays for lists — an exporter never has to guess a type.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace agentprof {

using TraceId = std::array<uint8_t, 16>;
using SpanId = std::array<uint8_t, 8>;

enum class SpanKind : uint8_t { kInternal = 0, kClient = 1, kServer = 2 };

const char* to_string(SpanKind kind);  // "internal", "client", "server"

using AttributeValue = std::variant<std::string, int64_t, double, bool, std::vector<std::string>>;

struct Attribute {
  std::string key;
  AttributeValue value;

  bool operator==(const Attribute&) const = default;
};

struct Span {
  TraceId trace_id{};
  SpanId span_id{};
  SpanId parent_span_id{};  // all zero = root span
  std::string name;
  SpanKind kind = SpanKind::kClient;
  uint64_t start_unix_ns = 0;
  uint64_t end_unix_ns = 0;
  bool error = false;
  std::string status_message;
  std::vector<Attribute> attributes;  // in insertion order, keys unique

  bool operator==(const Span&) const = default;

  // First attribute with this key, or nullptr.
  const Attribute* find(std::string_view key) const;
  // The attribute's value if it exists and holds T, else nullptr.
  template <typename T>
  const T* get(std::string_view key) const {
    const Attribute* a = find(key);
    return a ? std::get_if<T>(&a->value) : nullptr;
  }
};

// True when every byte is zero (the "no id" value).
template <size_t N>
bool is_zero_id(const std::array<uint8_t, N>& id) {
  for (uint8_t b : id)
    if (b != 0) return false;
  return true;
}

// Lower-case hex of an id: 32 chars for a trace id, 16 for a span id.
template <size_t N>
std::string to_hex(const std::array<uint8_t, N>& id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * N);
  for (uint8_t b : id) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xF]);
  }
  return out;
}

// Parses exactly 2*N hex digits (either case) into `out`; false (and `out` untouched) otherwise.
template <size_t N>
bool from_hex(std::string_view text, std::array<uint8_t, N>& out) {
  if (text.size() != 2 * N) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::array<uint8_t, N> parsed{};
  for (size_t i = 0; i < N; ++i) {
    int hi = nibble(text[2 * i]), lo = nibble(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    parsed[i] = uint8_t(hi << 4 | lo);
  }
  out = parsed;
  return true;
}

}  // namespace agentprof
