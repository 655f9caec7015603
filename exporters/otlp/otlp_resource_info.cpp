#include "exporters/otlp/otlp_resource_info.h"

#include <unistd.h>

#include <climits>

#ifndef AGENTPROF_OTLP_SCOPE_VERSION
#define AGENTPROF_OTLP_SCOPE_VERSION "0.0.0"
#endif

namespace agentprof::otlp {

std::string_view scope_version() { return AGENTPROF_OTLP_SCOPE_VERSION; }

std::string local_host_name() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "unknown";
  return buf;
}

ResourceInfo ResourceInfo::make(std::string_view service_name,
                                const std::vector<std::pair<std::string, std::string>>& extra) {
  ResourceInfo info;
  info.attributes.emplace_back("service.name", std::string(service_name));
  bool host_given = false;
  for (const auto& [k, v] : extra) host_given |= (k == "host.name");
  if (!host_given) info.attributes.emplace_back("host.name", local_host_name());
  for (const auto& [k, v] : extra) {
    if (info.find(k) == nullptr) info.attributes.emplace_back(k, v);
  }
  return info;
}

const std::string* ResourceInfo::find(std::string_view key) const {
  for (const auto& [k, v] : attributes)
    if (k == key) return &v;
  return nullptr;
}

void ResourceInfo::fill(opentelemetry::proto::resource::v1::Resource* out) const {
  for (const auto& [k, v] : attributes) {
    auto* kv = out->add_attributes();
    kv->set_key(k);
    kv->mutable_value()->set_string_value(v);
  }
}

void fill_scope(opentelemetry::proto::common::v1::InstrumentationScope* out) {
  out->set_name(std::string(kScopeName));
  out->set_version(std::string(scope_version()));
}

}  // namespace agentprof::otlp
