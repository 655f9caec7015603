// The OTLP Resource (who sends: service.name, host.name, OTEL_RESOURCE_ATTRIBUTES) and the
// instrumentation scope every agentprof span and metric is grouped under.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "otlp_common.pb.h"
#include "otlp_resource.pb.h"

namespace agentprof::otlp {

inline constexpr std::string_view kScopeName = "agentprof";
std::string_view scope_version();  // the agentprof version

struct ResourceInfo {
  std::vector<std::pair<std::string, std::string>> attributes;  // keys unique, service.name first

  // service.name = service_name (wins over one in `extra`), host.name = the machine's host name
  // unless `extra` sets it, then every other pair of `extra` in order (first occurrence of a key wins).
  static ResourceInfo make(std::string_view service_name,
                           const std::vector<std::pair<std::string, std::string>>& extra);

  const std::string* find(std::string_view key) const;
  void fill(opentelemetry::proto::resource::v1::Resource* out) const;
};

void fill_scope(opentelemetry::proto::common::v1::InstrumentationScope* out);

std::string local_host_name();

}  // namespace agentprof::otlp
