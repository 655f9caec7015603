// Spans -> one ExportTraceServiceRequest: a single ResourceSpans (our resource) holding a single
// ScopeSpans ("agentprof") with every span of the batch.
#pragma once

#include <vector>

#include "exporters/otlp/otlp_resource_info.h"
#include "otlp_trace_service.pb.h"
#include "trace/span.h"

namespace agentprof::otlp {

// Clears `out`, then fills it with `spans` in order.
void encode_spans(const std::vector<Span>& spans, const ResourceInfo& resource,
                  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* out);

void encode_span(const Span& span, opentelemetry::proto::trace::v1::Span* out);

// Upper-bound-ish estimate of the span's encoded size (strings plus a fixed overhead per field),
// cheap enough for on_span(): what the queue's byte bound and the request size cap count.
size_t approx_encoded_size(const Span& span);

}  // namespace agentprof::otlp
