#include "exporters/prometheus/prometheus_text.h"

#include <charconv>
#include <cmath>
#include <string_view>
#include <utility>
#include <vector>

#include "exporters/prometheus/prometheus_names.h"

namespace agentprof {

namespace {

const char* type_word(MetricKind kind) {
  switch (kind) {
    case MetricKind::kCounter: return "counter";
    case MetricKind::kGauge: return "gauge";
    case MetricKind::kHistogram: return "histogram";
  }
  return "untyped";
}

void append_help_escaped(std::string& out, std::string_view text) {
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
}

void append_label_value(std::string& out, std::string_view text) {
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
}

void append_uint(std::string& out, uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

// `name="value",...` for a point's labels (no braces), renamed and with collisions merged.
std::string label_text(const std::vector<MetricLabel>& labels, bool histogram) {
  std::vector<std::pair<std::string, std::string>> renamed;
  renamed.reserve(labels.size());
  for (const auto& l : labels) {
    std::string name = prometheus_label_name(l.key);
    if (histogram && name == "le") name = "key_le";  // "le" belongs to the bucket bound
    bool merged = false;
    for (auto& [n, v] : renamed)
      if (n == name) {
        v += ';';
        v += l.value;
        merged = true;
        break;
      }
    if (!merged) renamed.emplace_back(std::move(name), l.value);
  }
  std::string out;
  for (const auto& [name, value] : renamed) {
    if (!out.empty()) out.push_back(',');
    out += name;
    out += "=\"";
    append_label_value(out, value);
    out.push_back('"');
  }
  return out;
}

void append_sample(std::string& out, std::string_view name, std::string_view suffix,
                   std::string_view labels, std::string_view extra_label, double value) {
  out += name;
  out += suffix;
  if (!labels.empty() || !extra_label.empty()) {
    out.push_back('{');
    out += labels;
    if (!labels.empty() && !extra_label.empty()) out.push_back(',');
    out += extra_label;
    out.push_back('}');
  }
  out.push_back(' ');
  append_prometheus_value(out, value);
  out.push_back('\n');
}

void append_histogram(std::string& out, const std::string& name, const HistogramPoint& h) {
  std::string labels = label_text(h.labels, true);
  uint64_t cumulative = 0;
  std::string le;
  size_t n = std::min(h.bounds.size(), h.bucket_counts.size());
  for (size_t i = 0; i < n; ++i) {
    cumulative += h.bucket_counts[i];
    le = "le=\"";
    append_prometheus_value(le, h.bounds[i]);
    le.push_back('"');
    append_sample(out, name, "_bucket", labels, le, double(cumulative));
  }
  append_sample(out, name, "_bucket", labels, "le=\"+Inf\"", double(h.count));
  append_sample(out, name, "_sum", labels, "", h.sum);
  append_sample(out, name, "_count", labels, "", double(h.count));
}

}  // namespace

void append_prometheus_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  if (v == std::trunc(v) && std::fabs(v) < 1e15) {  // whole numbers as plain integers
    if (v < 0) out.push_back('-');
    append_uint(out, uint64_t(std::fabs(v)));
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

std::string render_prometheus_text(const MetricsSnapshot& snapshot) {
  std::string out;
  size_t points = 0;
  for (const auto& f : snapshot.families) points += f.numbers.size() + 17 * f.histograms.size();
  out.reserve(points * 160 + 256);
  for (const auto& f : snapshot.families) {
    if (f.numbers.empty() && f.histograms.empty()) continue;
    std::string name = prometheus_metric_name(f);
    out += "# HELP ";
    out += name;
    out.push_back(' ');
    append_help_escaped(out, f.description.empty() ? f.name : f.description);
    out += "\n# TYPE ";
    out += name;
    out.push_back(' ');
    out += type_word(f.kind);
    out.push_back('\n');
    if (f.kind == MetricKind::kHistogram) {
      for (const auto& h : f.histograms) append_histogram(out, name, h);
    } else {
      for (const auto& p : f.numbers) append_sample(out, name, "", label_text(p.labels, false), "", p.value);
    }
  }
  return out;
}

}  // namespace agentprof
