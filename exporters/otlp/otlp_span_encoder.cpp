#include "exporters/otlp/otlp_span_encoder.h"

#include "exporters/otlp/otlp_value_encoding.h"

namespace agentprof::otlp {

namespace pb_trace = opentelemetry::proto::trace::v1;

namespace {

pb_trace::Span::SpanKind to_otlp_kind(SpanKind kind) {
  switch (kind) {
    case SpanKind::kInternal: return pb_trace::Span::SPAN_KIND_INTERNAL;
    case SpanKind::kClient: return pb_trace::Span::SPAN_KIND_CLIENT;
    case SpanKind::kServer: return pb_trace::Span::SPAN_KIND_SERVER;
  }
  return pb_trace::Span::SPAN_KIND_UNSPECIFIED;
}

template <size_t N>
std::string id_bytes(const std::array<uint8_t, N>& id) {
  return std::string(reinterpret_cast<const char*>(id.data()), N);
}

}  // namespace

void encode_span(const Span& span, pb_trace::Span* out) {
  out->set_trace_id(id_bytes(span.trace_id));
  out->set_span_id(id_bytes(span.span_id));
  // OTLP marks a root span by an empty parent id, not by eight zero bytes.
  if (!is_zero_id(span.parent_span_id)) out->set_parent_span_id(id_bytes(span.parent_span_id));
  out->set_name(span.name);
  out->set_kind(to_otlp_kind(span.kind));
  out->set_start_time_unix_nano(span.start_unix_ns);
  out->set_end_time_unix_nano(span.end_unix_ns);
  for (const Attribute& a : span.attributes) add_key_value(out->mutable_attributes(), a.key, a.value);
  // Only an error carries a status; the spec reserves the description for errors.
  if (span.error) {
    auto* status = out->mutable_status();
    status->set_code(pb_trace::Status::STATUS_CODE_ERROR);
    status->set_message(span.status_message);
  }
}

size_t approx_encoded_size(const Span& span) {
  // ids, times, kind, status and message framing: 80 bytes covers them with room to spare.
  size_t bytes = 80 + span.name.size() + span.status_message.size();
  for (const Attribute& a : span.attributes) {
    bytes += 12 + a.key.size();  // KeyValue and AnyValue tags and lengths
    if (const auto* s = std::get_if<std::string>(&a.value)) {
      bytes += s->size();
    } else if (const auto* list = std::get_if<std::vector<std::string>>(&a.value)) {
      for (const std::string& item : *list) bytes += 6 + item.size();
    } else {
      bytes += 10;  // varint or fixed64
    }
  }
  return bytes;
}

void encode_spans(const std::vector<Span>& spans, const ResourceInfo& resource,
                  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* out) {
  out->Clear();
  if (spans.empty()) return;
  auto* rs = out->add_resource_spans();
  resource.fill(rs->mutable_resource());
  auto* ss = rs->add_scope_spans();
  fill_scope(ss->mutable_scope());
  ss->mutable_spans()->Reserve(int(spans.size()));
  for (const Span& s : spans) encode_span(s, ss->add_spans());
}

}  // namespace agentprof::otlp
