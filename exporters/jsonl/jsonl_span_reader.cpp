#include "exporters/jsonl/jsonl_span_reader.h"

#include <simdjson.h>

#include <limits>
#include <unordered_set>

namespace agentprof {

struct JsonlSpanReader::Impl {
  simdjson::dom::parser parser;
};

JsonlSpanReader::JsonlSpanReader() : impl_(std::make_unique<Impl>()) {}
JsonlSpanReader::~JsonlSpanReader() = default;

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

bool fail(std::string* error, std::string reason) {
  if (error) *error = std::move(reason);
  return false;
}

bool get_string_field(const object& obj, const char* key, std::string_view& out) {
  return obj[key].get_string().get(out) == simdjson::SUCCESS;
}

// Non-negative integer nanoseconds.
bool get_time_field(const object& obj, const char* key, uint64_t& out) {
  element e;
  if (obj[key].get(e) != simdjson::SUCCESS) return false;
  if (e.type() == element_type::UINT64) return e.get_uint64().get(out) == simdjson::SUCCESS;
  int64_t v;
  if (e.type() != element_type::INT64 || e.get_int64().get(v) != simdjson::SUCCESS || v < 0) return false;
  out = uint64_t(v);
  return true;
}

// Converts one attribute value; false when the type is not one spans carry.
bool to_attribute_value(const element& e, AttributeValue& out) {
  switch (e.type()) {
    case element_type::STRING:
      out = std::string(std::string_view(e.get_string().value_unsafe()));
      return true;
    case element_type::INT64:
      out = e.get_int64().value_unsafe();
      return true;
    case element_type::UINT64: {
      uint64_t v = e.get_uint64().value_unsafe();
      if (v <= uint64_t(std::numeric_limits<int64_t>::max()))
        out = int64_t(v);
      else
        out = double(v);
      return true;
    }
    case element_type::DOUBLE:
      out = e.get_double().value_unsafe();
      return true;
    case element_type::BOOL:
      out = e.get_bool().value_unsafe();
      return true;
    case element_type::ARRAY: {
      simdjson::dom::array array;
      if (e.get_array().get(array) != simdjson::SUCCESS) return false;
      std::vector<std::string> items;
      for (element item : array) {
        std::string_view s;
        if (item.get_string().get(s) != simdjson::SUCCESS) return false;
        items.emplace_back(s);
      }
      out = std::move(items);
      return true;
    }
    default:
      return false;
  }
}

}  // namespace

bool JsonlSpanReader::parse(std::string_view line, Span& out, std::string* error) {
  element doc;
  if (auto err = impl_->parser.parse(line.data(), line.size()).get(doc); err)
    return fail(error, std::string("invalid JSON: ") + simdjson::error_message(err));
  object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return fail(error, "not a JSON object");

  out = Span{};
  std::string_view s;
  if (!get_string_field(obj, "trace_id", s) || !from_hex(s, out.trace_id) || is_zero_id(out.trace_id))
    return fail(error, "missing or invalid trace_id");
  if (!get_string_field(obj, "span_id", s) || !from_hex(s, out.span_id) || is_zero_id(out.span_id))
    return fail(error, "missing or invalid span_id");
  if (get_string_field(obj, "parent_span_id", s)) {
    if (!s.empty() && !from_hex(s, out.parent_span_id)) return fail(error, "invalid parent_span_id");
  }
  if (!get_string_field(obj, "name", s)) return fail(error, "missing name");
  out.name = std::string(s);
  if (!get_string_field(obj, "kind", s)) return fail(error, "missing kind");
  if (s == "client")
    out.kind = SpanKind::kClient;
  else if (s == "server")
    out.kind = SpanKind::kServer;
  else if (s == "internal")
    out.kind = SpanKind::kInternal;
  else
    return fail(error, "unknown kind");
  if (!get_time_field(obj, "start_time_unix_nano", out.start_unix_ns))
    return fail(error, "missing or invalid start_time_unix_nano");
  if (!get_time_field(obj, "end_time_unix_nano", out.end_unix_ns))
    return fail(error, "missing or invalid end_time_unix_nano");
  if (out.end_unix_ns < out.start_unix_ns) return fail(error, "end before start");
  if (!get_string_field(obj, "status", s) || (s != "ok" && s != "error"))
    return fail(error, "missing or invalid status");
  out.error = s == "error";
  if (get_string_field(obj, "status_message", s)) out.status_message = std::string(s);

  object attrs;
  auto attrs_result = obj["attributes"];
  if (attrs_result.error() == simdjson::NO_SUCH_FIELD) return true;
  if (attrs_result.get_object().get(attrs) != simdjson::SUCCESS) return fail(error, "attributes is not an object");
  std::unordered_set<std::string_view> seen;  // views into the parser's buffer, valid here
  for (auto field : attrs) {
    if (!seen.insert(field.key).second) {  // duplicate key: the first one wins
      ++skipped_attributes_;
      continue;
    }
    AttributeValue value;
    if (!to_attribute_value(field.value, value)) {
      ++skipped_attributes_;
      continue;
    }
    out.attributes.push_back({std::string(field.key), std::move(value)});
  }
  return true;
}

}  // namespace agentprof
