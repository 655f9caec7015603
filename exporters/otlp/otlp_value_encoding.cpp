#include "exporters/otlp/otlp_value_encoding.h"

#include <type_traits>

namespace agentprof::otlp {

using opentelemetry::proto::common::v1::AnyValue;

void fill_any_value(const AttributeValue& value, AnyValue* out) {
  std::visit(
      [out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          out->set_string_value(v);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          out->set_int_value(v);
        } else if constexpr (std::is_same_v<T, double>) {
          out->set_double_value(v);
        } else if constexpr (std::is_same_v<T, bool>) {
          out->set_bool_value(v);
        } else {
          static_assert(std::is_same_v<T, std::vector<std::string>>);
          auto* array = out->mutable_array_value();  // present even when empty: it is still a list
          for (const std::string& s : v) array->add_values()->set_string_value(s);
        }
      },
      value);
}

void add_key_value(google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>* out,
                   std::string_view key, const AttributeValue& value) {
  auto* kv = out->Add();
  kv->set_key(std::string(key));
  fill_any_value(value, kv->mutable_value());
}

}  // namespace agentprof::otlp
