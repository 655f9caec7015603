#include "cli/report.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string_view>

#include "exporters/jsonl/json_text.h"
#include "exporters/jsonl/jsonl_span_reader.h"
#include "trace/attribute_names.h"

namespace agentprof {

namespace {

constexpr size_t kMaxLineBytes = 64u << 20;   // a span with opt-in content can be large
constexpr size_t kMaxReportedMalformed = 10;  // details on err; the rest are only counted
constexpr std::array<int, 3> kPercentiles = {50, 95, 99};
constexpr const char* kUnknownGroup = "-";

// ---- per-call facts the report needs, extracted from one span ----

struct CallFacts {
  std::string provider, model, process;
  bool error = false;
  std::optional<int64_t> input_tokens, output_tokens;
  bool usage_unknown = false;
  std::optional<double> cost_usd;
  std::optional<double> latency_s;
  std::optional<double> ttft_s;
};

std::string string_attr(const Span& span, const char* key) {
  const std::string* v = span.get<std::string>(key);
  return v ? *v : std::string();
}

std::optional<int64_t> token_attr(const Span& span, const char* key) {
  const int64_t* v = span.get<int64_t>(key);
  if (!v || *v < 0) return std::nullopt;  // a negative count is not a count
  return *v;
}

std::optional<double> nonnegative_double_attr(const Span& span, const char* key) {
  const double* v = span.get<double>(key);
  if (!v || !(*v >= 0)) return std::nullopt;
  return *v;
}

CallFacts facts_of(const Span& span) {
  CallFacts f;
  f.provider = string_attr(span, attr::kProviderName);
  f.model = string_attr(span, attr::kResponseModel);
  if (f.model.empty()) f.model = string_attr(span, attr::kRequestModel);
  f.process = string_attr(span, attr::kProcessExecutableName);
  for (std::string* g : {&f.provider, &f.model, &f.process})
    if (g->empty()) *g = kUnknownGroup;
  f.error = span.error;
  f.input_tokens = token_attr(span, attr::kUsageInputTokens);
  f.output_tokens = token_attr(span, attr::kUsageOutputTokens);
  bool has_output = string_attr(span, attr::kOperationName) != "embeddings";
  f.usage_unknown = !f.input_tokens || (has_output && !f.output_tokens);
  f.cost_usd = nonnegative_double_attr(span, attr::kCostUsd);
  if (!span.get<bool>(attr::kTimingMissing))
    f.latency_s = double(span.end_unix_ns - span.start_unix_ns) / 1e9;  // reader ensures end >= start
  f.ttft_s = nonnegative_double_attr(span, attr::kResponseTimeToFirstChunk);
  return f;
}

// ---- aggregation ----

// Adds without wrapping; a sum that would overflow sticks at the maximum and is flagged.
void add_saturating(int64_t& sum, int64_t v, bool& overflow) {
  if (__builtin_add_overflow(sum, v, &sum)) {
    sum = INT64_MAX;
    overflow = true;
  }
}

struct GroupStats {
  uint64_t calls = 0, errors = 0, unknown_usage = 0, unpriced = 0;
  int64_t input_tokens = 0, output_tokens = 0;
  bool token_overflow = false;
  double cost_usd = 0;
  std::vector<double> latencies_s, ttfts_s;

  void add(const CallFacts& f) {
    ++calls;
    if (f.error) ++errors;
    if (f.usage_unknown) ++unknown_usage;
    if (f.input_tokens) add_saturating(input_tokens, *f.input_tokens, token_overflow);
    if (f.output_tokens) add_saturating(output_tokens, *f.output_tokens, token_overflow);
    if (f.cost_usd)
      cost_usd += *f.cost_usd;
    else
      ++unpriced;
    if (f.latency_s) latencies_s.push_back(*f.latency_s);
    if (f.ttft_s) ttfts_s.push_back(*f.ttft_s);
  }
};

// Nearest-rank percentile of sorted values: sorted[ceil(p * n / 100) - 1].
std::optional<double> nearest_rank(const std::vector<double>& sorted, int p) {
  if (sorted.empty()) return std::nullopt;
  size_t rank = (size_t(p) * sorted.size() + 99) / 100;
  return sorted[std::max<size_t>(rank, 1) - 1];
}

struct GroupRow {
  std::string name;
  const GroupStats* stats;
  std::array<std::optional<double>, 3> latency, ttft;
};

struct Dimension {
  const char* name;  // provider | model | process
  std::string CallFacts::*field;
  std::map<std::string, GroupStats> groups;
};

std::array<std::optional<double>, 3> percentiles_of(std::vector<double>& values) {
  std::sort(values.begin(), values.end());
  std::array<std::optional<double>, 3> out;
  for (size_t i = 0; i < kPercentiles.size(); ++i) out[i] = nearest_rank(values, kPercentiles[i]);
  return out;
}

GroupRow make_row(std::string name, GroupStats& stats) {
  GroupRow row{std::move(name), &stats, {}, {}};
  row.latency = percentiles_of(stats.latencies_s);
  row.ttft = percentiles_of(stats.ttfts_s);
  return row;
}

// Most calls first, then by name, so the biggest spenders lead.
std::vector<GroupRow> rows_of(Dimension& dim) {
  std::vector<GroupRow> rows;
  for (auto& [name, stats] : dim.groups) rows.push_back(make_row(name, stats));
  std::stable_sort(rows.begin(), rows.end(),
                   [](const GroupRow& a, const GroupRow& b) { return a.stats->calls > b.stats->calls; });
  return rows;
}

// ---- input ----

struct InputTotals {
  uint64_t lines = 0, spans = 0, malformed = 0, unreadable_files = 0, skipped_attributes = 0;
};

class SpanCollector {
 public:
  SpanCollector(std::vector<Dimension>& dims, GroupStats& total, InputTotals& totals, std::ostream& err)
      : dims_(dims), total_(total), totals_(totals), err_(err) {}

  void add_line(const std::string& path, uint64_t line_no, std::string_view line) {
    ++totals_.lines;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;  // blank line
    Span span;
    std::string reason;
    if (!reader_.parse(line, span, &reason)) {
      malformed(path, line_no, reason);
      return;
    }
    ++totals_.spans;
    CallFacts f = facts_of(span);
    total_.add(f);
    for (auto& dim : dims_) dim.groups[f.*dim.field].add(f);
  }

  void malformed(const std::string& path, uint64_t line_no, const std::string& reason) {
    if (totals_.malformed++ < kMaxReportedMalformed)
      err_ << path << ":" << line_no << ": skipped malformed line: " << reason << "\n";
  }

  void finish() { totals_.skipped_attributes = reader_.skipped_attributes(); }

 private:
  std::vector<Dimension>& dims_;
  GroupStats& total_;
  InputTotals& totals_;
  std::ostream& err_;
  JsonlSpanReader reader_;
};

// Splits `in` into lines without ever holding more than kMaxLineBytes of one line.
void read_lines(std::istream& in, const std::string& path, SpanCollector& collector) {
  std::string line;
  bool too_long = false;
  uint64_t line_no = 0;
  std::vector<char> buf(1 << 16);
  auto end_line = [&] {
    ++line_no;
    if (too_long)
      collector.malformed(path, line_no, "line longer than " + std::to_string(kMaxLineBytes) + " bytes");
    else
      collector.add_line(path, line_no, line);
    line.clear();
    too_long = false;
  };
  while (in) {
    in.read(buf.data(), std::streamsize(buf.size()));
    std::string_view chunk(buf.data(), size_t(in.gcount()));
    while (!chunk.empty()) {
      size_t nl = chunk.find('\n');
      std::string_view piece = chunk.substr(0, nl);
      if (!too_long) {
        if (line.size() + piece.size() > kMaxLineBytes) {
          too_long = true;
          line.clear();
          line.shrink_to_fit();
        } else {
          line.append(piece);
        }
      }
      if (nl == std::string_view::npos) break;
      end_line();
      chunk.remove_prefix(nl + 1);
    }
  }
  if (!line.empty() || too_long) end_line();  // last line without newline
}

// ---- output ----

std::string fixed(std::optional<double> v, int decimals) {
  if (!v) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, *v);
  return buf;
}

std::string tokens_text(const GroupStats& s, int64_t v) {
  return std::to_string(v) + (s.token_overflow ? "+" : "");
}

// Group names come from the wire: keep the table to printable ASCII.
std::string printable(std::string_view s, size_t max_width) {
  std::string out(s);
  for (char& c : out)
    if (uint8_t(c) < 0x20 || uint8_t(c) >= 0x7F) c = '?';
  if (out.size() > max_width) {
    out.resize(max_width - 1);
    out.push_back('~');
  }
  return out;
}

constexpr std::array<const char*, 14> kColumns = {
    "CALLS", "ERRORS", "UNK_USAGE", "IN_TOK", "OUT_TOK", "COST_USD", "UNPRICED",
    "LAT_P50", "LAT_P95", "LAT_P99", "TTFT_P50", "TTFT_P95", "TTFT_P99", nullptr};

std::vector<std::string> cells_of(const GroupRow& r) {
  const GroupStats& s = *r.stats;
  std::vector<std::string> c = {std::to_string(s.calls), std::to_string(s.errors),
                                std::to_string(s.unknown_usage), tokens_text(s, s.input_tokens),
                                tokens_text(s, s.output_tokens), fixed(s.cost_usd, 4),
                                std::to_string(s.unpriced)};
  for (const auto& p : r.latency) c.push_back(fixed(p, 3));
  for (const auto& p : r.ttft) c.push_back(fixed(p, 3));
  return c;
}

void print_table(std::ostream& out, const char* dim_name, const std::vector<GroupRow>& rows,
                 const GroupRow& total) {
  constexpr size_t kMaxGroupWidth = 40;
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> cells;
  for (const auto& r : rows) {
    names.push_back(printable(r.name, kMaxGroupWidth));
    cells.push_back(cells_of(r));
  }
  names.push_back("TOTAL");
  cells.push_back(cells_of(total));

  std::string title = dim_name;
  for (auto& ch : title) ch = char(std::toupper(uint8_t(ch)));
  size_t name_w = title.size();
  for (const auto& n : names) name_w = std::max(name_w, n.size());
  std::vector<size_t> widths;
  for (size_t i = 0; kColumns[i]; ++i) {
    size_t w = std::string_view(kColumns[i]).size();
    for (const auto& row : cells) w = std::max(w, row[i].size());
    widths.push_back(w);
  }
  auto line = [&](const std::string& name, auto cell_at) {
    std::string text = name + std::string(name_w - name.size(), ' ');
    for (size_t i = 0; i < widths.size(); ++i) {
      std::string cell = cell_at(i);
      text += "  " + std::string(widths[i] - cell.size(), ' ') + cell;
    }
    out << text << "\n";
  };
  line(title, [](size_t i) { return std::string(kColumns[i]); });
  for (size_t r = 0; r < names.size(); ++r) line(names[r], [&](size_t i) { return cells[r][i]; });
}

void append_json_percentiles(std::string& j, const std::array<std::optional<double>, 3>& p) {
  j += "{";
  for (size_t i = 0; i < p.size(); ++i) {
    if (i) j += ",";
    j += "\"p" + std::to_string(kPercentiles[i]) + "\":";
    if (p[i])
      append_json_double(j, *p[i]);
    else
      j += "null";
  }
  j += "}";
}

void append_json_row(std::string& j, const GroupRow& r, bool with_name) {
  const GroupStats& s = *r.stats;
  j += "{";
  if (with_name) {
    j += "\"group\":";
    append_json_string(j, r.name);
    j += ",";
  }
  j += "\"calls\":" + std::to_string(s.calls) + ",\"errors\":" + std::to_string(s.errors) +
       ",\"unknown_usage\":" + std::to_string(s.unknown_usage) +
       ",\"input_tokens\":" + std::to_string(s.input_tokens) +
       ",\"output_tokens\":" + std::to_string(s.output_tokens) +
       ",\"token_sum_overflow\":" + (s.token_overflow ? "true" : "false") + ",\"cost_usd\":";
  append_json_double(j, s.cost_usd);
  j += ",\"unpriced\":" + std::to_string(s.unpriced) + ",\"latency_s\":";
  append_json_percentiles(j, r.latency);
  j += ",\"ttft_s\":";
  append_json_percentiles(j, r.ttft);
  j += "}";
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

void print_csv_row(std::ostream& out, const std::string& dim, const GroupRow& r) {
  out << csv_field(dim) << "," << csv_field(r.name);
  for (auto& cell : cells_of(r)) out << "," << (cell == "-" ? "" : cell);
  out << "\n";
}

}  // namespace

int run_report(const ReportOptions& options, std::ostream& out, std::ostream& err) {
  std::vector<Dimension> dims;
  const std::array<Dimension, 3> all = {Dimension{"provider", &CallFacts::provider, {}},
                                        Dimension{"model", &CallFacts::model, {}},
                                        Dimension{"process", &CallFacts::process, {}}};
  for (const auto& d : all)
    if (options.group_by == "all" || options.group_by == d.name) dims.push_back(d);
  if (dims.empty()) {
    err << "report: unknown --group-by '" << options.group_by << "' (provider, model, process, all)\n";
    return 2;
  }
  if (options.format != "table" && options.format != "json" && options.format != "csv") {
    err << "report: unknown --format '" << options.format << "' (table, json, csv)\n";
    return 2;
  }
  if (options.jsonl_paths.empty()) {
    err << "report: no input files\n";
    return 2;
  }

  GroupStats total;
  InputTotals totals;
  SpanCollector collector(dims, total, totals, err);
  for (const auto& path : options.jsonl_paths) {
    if (path == "-") {
      read_lines(std::cin, path, collector);
      continue;
    }
    std::ifstream file(path, std::ios::binary);
    if (!file) {
      err << "report: cannot open " << path << "\n";
      ++totals.unreadable_files;
      continue;
    }
    read_lines(file, path, collector);
    if (file.bad()) {
      err << "report: read error in " << path << "\n";
      ++totals.unreadable_files;
    }
  }
  collector.finish();
  if (totals.malformed > 0)
    err << "report: skipped " << totals.malformed << " malformed line(s) of " << totals.lines << "\n";
  if (total.token_overflow) err << "report: token sums overflowed (shown with '+')\n";

  GroupRow total_row = make_row("TOTAL", total);
  if (options.format == "table") {
    bool first = true;
    for (auto& dim : dims) {
      if (!first) out << "\n";
      first = false;
      print_table(out, dim.name, rows_of(dim), total_row);
    }
    out << "\n" << totals.spans << " call(s) from " << totals.lines << " line(s)";
    if (totals.malformed) out << ", " << totals.malformed << " malformed line(s) skipped";
    out << "; percentiles are nearest-rank, times in seconds\n";
  } else if (options.format == "json") {
    std::string j = "{\"lines\":" + std::to_string(totals.lines) + ",\"calls\":" +
                    std::to_string(totals.spans) + ",\"malformed_lines\":" +
                    std::to_string(totals.malformed) + ",\"groups\":{";
    bool first_dim = true;
    for (auto& dim : dims) {
      if (!first_dim) j += ",";
      first_dim = false;
      j += "\"" + std::string(dim.name) + "\":[";
      bool first_row = true;
      for (const auto& r : rows_of(dim)) {
        if (!first_row) j += ",";
        first_row = false;
        append_json_row(j, r, true);
      }
      j += "]";
    }
    j += "},\"total\":";
    append_json_row(j, total_row, false);
    j += "}";
    out << j << "\n";
  } else {
    out << "group_by,group,calls,errors,unknown_usage,input_tokens,output_tokens,cost_usd,unpriced,"
           "latency_p50_s,latency_p95_s,latency_p99_s,ttft_p50_s,ttft_p95_s,ttft_p99_s\n";
    for (auto& dim : dims)
      for (const auto& r : rows_of(dim)) print_csv_row(out, dim.name, r);
    print_csv_row(out, "total", total_row);
  }
  return totals.unreadable_files > 0 ? 1 : 0;
}

}  // namespace agentprof
