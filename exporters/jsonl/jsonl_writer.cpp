#include "exporters/jsonl/jsonl_writer.h"

#include <cerrno>
#include <cstring>
#include <type_traits>

#include "exporters/jsonl/json_text.h"

namespace agentprof {

namespace {

void append_value(std::string& out, const AttributeValue& value) {
  std::visit(
      [&out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          append_json_string(out, v);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          append_json_int(out, v);
        } else if constexpr (std::is_same_v<T, double>) {
          append_json_double(out, v);
        } else if constexpr (std::is_same_v<T, bool>) {
          out += v ? "true" : "false";
        } else {
          out.push_back('[');
          for (size_t i = 0; i < v.size(); ++i) {
            if (i) out.push_back(',');
            append_json_string(out, v[i]);
          }
          out.push_back(']');
        }
      },
      value);
}

}  // namespace

JsonlWriter::JsonlWriter(FILE* out) : out_(out) {}

JsonlWriter::~JsonlWriter() {
  if (owns_ && out_) std::fclose(out_);
}

std::unique_ptr<JsonlWriter> JsonlWriter::open(const std::string& path, std::string* error) {
  if (path == "-") return std::make_unique<JsonlWriter>(stdout);
  FILE* f = std::fopen(path.c_str(), "a");
  if (!f) {
    if (error) *error = "cannot open " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  auto writer = std::make_unique<JsonlWriter>(f);
  writer->owns_ = true;
  return writer;
}

std::string JsonlWriter::to_json(const Span& span) {
  std::string out;
  out.reserve(512);
  out += "{\"trace_id\":\"";
  out += to_hex(span.trace_id);
  out += "\",\"span_id\":\"";
  out += to_hex(span.span_id);
  out += "\",\"parent_span_id\":\"";
  if (!is_zero_id(span.parent_span_id)) out += to_hex(span.parent_span_id);
  out += "\",\"name\":";
  append_json_string(out, span.name);
  out += ",\"kind\":\"";
  out += to_string(span.kind);
  out += "\",\"start_time_unix_nano\":";
  append_json_uint(out, span.start_unix_ns);
  out += ",\"end_time_unix_nano\":";
  append_json_uint(out, span.end_unix_ns);
  out += span.error ? ",\"status\":\"error\"" : ",\"status\":\"ok\"";
  if (!span.status_message.empty()) {
    out += ",\"status_message\":";
    append_json_string(out, span.status_message);
  }
  out += ",\"attributes\":{";
  for (size_t i = 0; i < span.attributes.size(); ++i) {
    if (i) out.push_back(',');
    append_json_string(out, span.attributes[i].key);
    out.push_back(':');
    append_value(out, span.attributes[i].value);
  }
  out += "}}";
  return out;
}

void JsonlWriter::on_span(const Span& span) {
  std::string line = to_json(span);
  line.push_back('\n');
  std::lock_guard lock(mu_);
  bool ok = out_ && std::fwrite(line.data(), 1, line.size(), out_) == line.size();
  ok = ok && std::fflush(out_) == 0;
  if (ok)
    ++written_;
  else
    ++errors_;
}

uint64_t JsonlWriter::spans_written() const {
  std::lock_guard lock(mu_);
  return written_;
}

uint64_t JsonlWriter::write_errors() const {
  std::lock_guard lock(mu_);
  return errors_;
}

}  // namespace agentprof
