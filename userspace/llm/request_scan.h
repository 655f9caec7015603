// Recovers top-level "model" and "stream" from the head of a request body too large to parse
// (a multi-MiB prompt cut at the size cap), so such calls still name their model.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace agentprof {

struct RequestScan {
  std::optional<std::string> model;
  std::optional<bool> stream;
};

// Only keys of the outermost object count: a "model" key inside messages or tool schemas does not.
RequestScan scan_request_prefix(std::string_view body_prefix);

}  // namespace agentprof
