// Settings of the Pyroscope push: where continuous-profiling windows go and under which name and
// labels. Credentials (basic-auth password, header values) are held here but never printed:
// describe() redacts them, and URLs are shown without user info or query.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace agentprof::pyroscope {

using KeyValuePairs = std::vector<std::pair<std::string, std::string>>;

struct PyroscopeConfig {
  std::string url;                  // server base URL, e.g. http://pyroscope:4040; empty: no push
  std::string app_name = "agentprof";
  KeyValuePairs labels;             // series labels, e.g. {env: prod}
  std::string basic_auth_user;      // Authorization: Basic when set
  std::string basic_auth_password;
  std::string tenant_id;            // X-Scope-OrgID (multi-tenant Pyroscope)
  KeyValuePairs headers;            // extra request headers
  std::chrono::milliseconds timeout{10000};          // per request
  size_t max_queue = 16;                             // windows waiting; the oldest is dropped beyond
  int max_attempts = 5;                              // per window, then given up (counted)
  std::chrono::milliseconds retry_initial_backoff{1000};
  std::chrono::milliseconds retry_max_backoff{30000};

  bool enabled() const { return !url.empty(); }
  // Empty when usable, else what is wrong (scheme, name or label characters Pyroscope refuses,
  // CR/LF in a header, zero sizes).
  std::string validate() const;
  // YAML lines (two-space indented) for --print-config, secrets redacted.
  std::string describe() const;
};

// A URL safe to print: no user info (user:password@) and no query string or fragment.
std::string url_for_display(const std::string& url);

}  // namespace agentprof::pyroscope
