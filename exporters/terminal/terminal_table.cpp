#include "exporters/terminal/terminal_table.h"

#include <cmath>
#include <ctime>

#include "trace/attribute_names.h"

namespace agentprof {

namespace {

// Column widths; with one space between columns a row is at most 80 characters.
constexpr size_t kTimeW = 8, kProcessW = 11, kProviderW = 9, kModelW = 12, kCountW = 4,
                 kSecondsW = 5, kCostW = 6, kStatusW = 7;
static_assert(kTimeW + kProcessW + kProviderW + kModelW + 2 * kCountW + 2 * kSecondsW + kCostW +
                      kStatusW + 9 ==
                  80,
              "a row must fit 80 columns");

constexpr const char* kUnknown = "-";

// Printable ASCII only: anything else could be a terminal escape sequence.
std::string printable(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (uint8_t(c) < 0x20 || uint8_t(c) >= 0x7F) c = '?';
  return out;
}

std::string fit(std::string_view s, size_t width) {
  std::string out = printable(s);
  if (out.size() > width) {
    out.resize(width - 1);
    out.push_back('~');
  }
  return out;
}

void append_left(std::string& row, const std::string& cell, size_t width) {
  row += cell;
  if (cell.size() < width) row.append(width - cell.size(), ' ');
}

void append_right(std::string& row, const std::string& cell, size_t width) {
  if (cell.size() < width) row.append(width - cell.size(), ' ');
  row += cell;
}

std::string printf_string(const char* format, double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string format_time(uint64_t unix_ns, bool utc) {
  if (unix_ns == 0) return kUnknown;
  time_t secs = time_t(unix_ns / 1'000'000'000);
  std::tm tm{};
  if ((utc ? gmtime_r(&secs, &tm) : localtime_r(&secs, &tm)) == nullptr) return kUnknown;
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

// "comm[pid]", cutting the name rather than the pid, which identifies the process.
std::string format_process(const Span& span) {
  const std::string* comm = span.get<std::string>(attr::kProcessExecutableName);
  const int64_t* pid = span.get<int64_t>(attr::kProcessPid);
  std::string name = comm ? printable(*comm) : std::string();
  if (!pid) return name.empty() ? kUnknown : fit(name, kProcessW);
  std::string suffix = "[" + std::to_string(*pid) + "]";
  if (suffix.size() >= kProcessW) return fit(suffix, kProcessW);
  size_t room = kProcessW - suffix.size();
  if (name.size() > room) {
    name.resize(room - 1);
    name.push_back('~');
  }
  return name + suffix;
}

std::string format_model(const Span& span) {
  const std::string* model = span.get<std::string>(attr::kResponseModel);
  if (!model || model->empty()) model = span.get<std::string>(attr::kRequestModel);
  return model && !model->empty() ? fit(*model, kModelW) : kUnknown;
}

std::string format_status(const Span& span) {
  if (!span.error) return "ok";
  const int64_t* status = span.get<int64_t>(attr::kHttpResponseStatusCode);
  if (status && *status >= 400) return std::to_string(*status);
  const std::string* type = span.get<std::string>(attr::kErrorType);
  if (!type || type->empty()) return "error";
  if (*type == attr::kErrorTypeIncomplete) return "partial";
  std::string_view t = *type;
  constexpr std::string_view kSuffix = "_error";
  if (t.size() > kSuffix.size() && t.substr(t.size() - kSuffix.size()) == kSuffix)
    t.remove_suffix(kSuffix.size());
  return fit(t, kStatusW);
}

}  // namespace

TerminalTable::TerminalTable(FILE* out, TerminalTableOptions options) : out_(out), options_(options) {}

std::string TerminalTable::format_count(int64_t n) {
  if (n < 0) return kUnknown;
  double v = double(n);
  if (n < 1000) return std::to_string(n);
  if (v < 9950) return printf_string("%.1fk", v / 1e3);
  if (v < 999500) return printf_string("%.0fk", v / 1e3);
  if (v < 9.95e6) return printf_string("%.1fM", v / 1e6);
  if (v < 999.5e6) return printf_string("%.0fM", v / 1e6);
  if (v < 9.95e9) return printf_string("%.1fG", v / 1e9);
  if (v < 999.5e9) return printf_string("%.0fG", v / 1e9);
  return ">1T";
}

std::string TerminalTable::format_seconds(double s) {
  if (!std::isfinite(s) || s < 0) return kUnknown;
  if (s < 9.995) return printf_string("%.2fs", s);
  if (s < 99.95) return printf_string("%.1fs", s);
  if (s < 9999.5) return printf_string("%.0fs", s);
  if (s / 60 < 9999.5) return printf_string("%.0fm", s / 60);
  if (s / 3600 < 9999.5) return printf_string("%.0fh", s / 3600);
  return "long";
}

std::string TerminalTable::format_cost(double usd) {
  if (!std::isfinite(usd) || usd < 0) return kUnknown;
  if (usd == 0) return "$0";
  if (usd < 0.0005) return "<$.001";
  if (usd < 9.9995) return printf_string("$%.3f", usd);
  if (usd < 999.95) return printf_string("$%.1f", usd);
  if (usd < 99999.5) return printf_string("$%.0f", usd);
  return ">$99k";
}

std::string TerminalTable::header_line() {
  std::string row;
  append_left(row, "TIME", kTimeW);
  row += ' ';
  append_left(row, "PROCESS", kProcessW);
  row += ' ';
  append_left(row, "PROVIDER", kProviderW);
  row += ' ';
  append_left(row, "MODEL", kModelW);
  row += ' ';
  append_right(row, "IN", kCountW);
  row += ' ';
  append_right(row, "OUT", kCountW);
  row += ' ';
  append_right(row, "TTFT", kSecondsW);
  row += ' ';
  append_right(row, "DUR", kSecondsW);
  row += ' ';
  append_right(row, "COST", kCostW);
  row += ' ';
  row += "STATUS";
  return row;
}

std::string TerminalTable::format_row(const Span& span, const TerminalTableOptions& options) {
  const std::string* provider = span.get<std::string>(attr::kProviderName);
  const int64_t* in = span.get<int64_t>(attr::kUsageInputTokens);
  const int64_t* out = span.get<int64_t>(attr::kUsageOutputTokens);
  const double* ttft = span.get<double>(attr::kResponseTimeToFirstChunk);
  const double* cost = span.get<double>(attr::kCostUsd);
  bool timing_known = span.get<bool>(attr::kTimingMissing) == nullptr && span.start_unix_ns != 0 &&
                      span.end_unix_ns >= span.start_unix_ns;

  std::string row;
  append_left(row, format_time(span.start_unix_ns, options.utc), kTimeW);
  row += ' ';
  append_left(row, format_process(span), kProcessW);
  row += ' ';
  append_left(row, provider && !provider->empty() ? fit(*provider, kProviderW) : kUnknown, kProviderW);
  row += ' ';
  append_left(row, format_model(span), kModelW);
  row += ' ';
  append_right(row, in ? format_count(*in) : kUnknown, kCountW);
  row += ' ';
  append_right(row, out ? format_count(*out) : kUnknown, kCountW);
  row += ' ';
  append_right(row, ttft ? format_seconds(*ttft) : kUnknown, kSecondsW);
  row += ' ';
  append_right(row,
               timing_known ? format_seconds(double(span.end_unix_ns - span.start_unix_ns) / 1e9) : kUnknown,
               kSecondsW);
  row += ' ';
  append_right(row, cost ? format_cost(*cost) : kUnknown, kCostW);
  row += ' ';
  row += format_status(span);
  return row;
}

void TerminalTable::on_span(const Span& span) {
  std::string row = format_row(span, options_);
  std::lock_guard lock(mu_);
  if (!header_printed_) {
    std::fprintf(out_, "%s\n", header_line().c_str());
    header_printed_ = true;
  }
  std::fprintf(out_, "%s\n", row.c_str());
  std::fflush(out_);
}

}  // namespace agentprof
