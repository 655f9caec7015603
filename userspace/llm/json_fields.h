// Small typed lookups on simdjson DOM values that never throw: a missing or mistyped field is
// simply absent, so a provider adding or changing a field cannot crash a decoder or yield a
// made-up number.
#pragma once

#include <simdjson.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>

namespace agentprof::json {

using simdjson::dom::element;

inline std::optional<element> field(element e, std::string_view key) {
  simdjson::dom::object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) return std::nullopt;
  element v;
  if (obj.at_key(key).get(v) != simdjson::SUCCESS) return std::nullopt;
  return v;
}

// Field that is an object (not null, not another type).
inline std::optional<element> object(element e, std::string_view key) {
  auto v = field(e, key);
  if (!v || !v->is_object()) return std::nullopt;
  return v;
}

inline std::optional<simdjson::dom::array> array(element e, std::string_view key) {
  auto v = field(e, key);
  simdjson::dom::array a;
  if (!v || v->get_array().get(a) != simdjson::SUCCESS) return std::nullopt;
  return a;
}

inline std::optional<std::string_view> string(element e) {
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
  return s;
}

inline std::optional<std::string_view> string(element e, std::string_view key) {
  auto v = field(e, key);
  if (!v) return std::nullopt;
  return string(*v);
}

// Non-empty string field.
inline std::optional<std::string_view> nonempty_string(element e, std::string_view key) {
  auto s = string(e, key);
  if (!s || s->empty()) return std::nullopt;
  return s;
}

inline std::optional<double> number(element e) {
  double d;
  if (e.is_int64()) return double(int64_t(e.get_int64().value_unsafe()));
  if (e.is_uint64()) return double(e.get_uint64().value_unsafe());
  if (e.get_double().get(d) == simdjson::SUCCESS && std::isfinite(d)) return d;
  return std::nullopt;
}

inline std::optional<double> number(element e, std::string_view key) {
  auto v = field(e, key);
  if (!v) return std::nullopt;
  return number(*v);
}

// A count (tokens, retries): a non-negative integer. Integral doubles ("12.0") are accepted;
// negative, fractional or absurd values are treated as absent rather than reported.
inline std::optional<int64_t> count(element e) {
  if (e.is_int64()) {
    int64_t v = e.get_int64().value_unsafe();
    if (v >= 0) return v;
    return std::nullopt;
  }
  if (e.is_uint64()) return std::nullopt;  // > INT64_MAX: not a real count
  double d;
  if (e.get_double().get(d) == simdjson::SUCCESS && d >= 0 && d < 9.0e15 && std::floor(d) == d)
    return int64_t(d);
  return std::nullopt;
}

inline std::optional<int64_t> count(element e, std::string_view key) {
  auto v = field(e, key);
  if (!v) return std::nullopt;
  return count(*v);
}

inline std::optional<bool> boolean(element e, std::string_view key) {
  auto v = field(e, key);
  bool b;
  if (!v || v->get_bool().get(b) != simdjson::SUCCESS) return std::nullopt;
  return b;
}

}  // namespace agentprof::json
