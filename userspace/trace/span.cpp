#include "trace/span.h"

namespace agentprof {

const char* to_string(SpanKind kind) {
  switch (kind) {
    case SpanKind::kInternal: return "internal";
    case SpanKind::kClient: return "client";
    case SpanKind::kServer: return "server";
  }
  return "internal";
}

const Attribute* Span::find(std::string_view key) const {
  for (const auto& a : attributes)
    if (a.key == key) return &a;
  return nullptr;
}

}  // namespace agentprof
