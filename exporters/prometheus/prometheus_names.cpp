#include "exporters/prometheus/prometheus_names.h"

#include <array>
#include <cctype>
#include <utility>

namespace agentprof {

namespace {

bool name_char(char c) { return std::isalnum(uint8_t(c)) || c == '_' || c == ':'; }

// Replaces invalid characters by '_' and collapses runs of '_'.
std::string sanitize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    char v = name_char(c) && uint8_t(c) < 0x80 ? c : '_';
    if (v == '_' && !out.empty() && out.back() == '_') continue;
    out.push_back(v);
  }
  return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string unit_word(std::string_view unit) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 21> kUnits = {{
      {"d", "days"}, {"h", "hours"}, {"min", "minutes"}, {"s", "seconds"}, {"ms", "milliseconds"},
      {"us", "microseconds"}, {"ns", "nanoseconds"}, {"By", "bytes"}, {"KiBy", "kibibytes"},
      {"MiBy", "mebibytes"}, {"GiBy", "gibibytes"}, {"TiBy", "tibibytes"}, {"KBy", "kilobytes"},
      {"MBy", "megabytes"}, {"GBy", "gigabytes"}, {"TBy", "terabytes"}, {"m", "meters"},
      {"V", "volts"}, {"A", "amperes"}, {"J", "joules"}, {"%", "percent"},
  }};
  for (const auto& [ucum, word] : kUnits)
    if (unit == ucum) return std::string(word);
  std::string out;
  for (char c : unit) out.push_back(char(std::tolower(uint8_t(c))));
  return out;
}

// Drops {annotations}; "a/b" becomes "a_per_b".
std::string unit_suffix(std::string_view unit, MetricKind kind) {
  std::string plain;
  for (size_t i = 0; i < unit.size(); ++i) {
    if (unit[i] == '{') {
      size_t close = unit.find('}', i);
      if (close == std::string_view::npos) break;
      i = close;
      continue;
    }
    plain.push_back(unit[i]);
  }
  if (plain.empty()) return {};
  if (plain == "1") return kind == MetricKind::kGauge ? "ratio" : "";
  size_t slash = plain.find('/');
  if (slash != std::string::npos) {
    std::string a = unit_word(plain.substr(0, slash)), b = unit_word(plain.substr(slash + 1));
    if (b.empty()) return sanitize(a);
    return sanitize(a.empty() ? "per_" + b : a + "_per_" + b);
  }
  return sanitize(unit_word(plain));
}

}  // namespace

std::string prometheus_metric_name(const MetricFamily& family) {
  std::string name = sanitize(family.name);
  if (name.empty() || std::isdigit(uint8_t(name[0]))) name.insert(name.begin(), '_');
  std::string suffix = unit_suffix(family.unit, family.kind);
  while (!suffix.empty() && suffix.front() == '_') suffix.erase(suffix.begin());
  while (!suffix.empty() && suffix.back() == '_') suffix.pop_back();
  if (!suffix.empty() && !ends_with(name, "_" + suffix)) {
    if (name.back() != '_') name.push_back('_');
    name += suffix;
  }
  if (family.kind == MetricKind::kCounter && !ends_with(name, "_total")) {
    if (name.back() != '_') name.push_back('_');
    name += "total";
  }
  return name;
}

std::string prometheus_label_name(std::string_view key) {
  std::string name = sanitize(key);
  for (char& c : name)
    if (c == ':') c = '_';  // colons are allowed in metric names only
  if (name.empty() || std::isdigit(uint8_t(name[0]))) name.insert(0, "key_");
  return name;
}

}  // namespace agentprof
