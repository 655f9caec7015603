// Span attribute values -> OTLP AnyValue, keeping the exact type (int stays int_value, a string
// list becomes array_value of string_value), so a collector never has to guess.
#pragma once

#include <string_view>

#include "otlp_common.pb.h"
#include "trace/span.h"

namespace agentprof::otlp {

void fill_any_value(const AttributeValue& value, opentelemetry::proto::common::v1::AnyValue* out);

// Appends {key, value} to a repeated KeyValue field.
void add_key_value(google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>* out,
                   std::string_view key, const AttributeValue& value);

}  // namespace agentprof::otlp
