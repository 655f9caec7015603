// One push to Pyroscope's HTTP ingest API: POST {url}/ingest?name=<app>{labels}&from=<unix s>
// &until=<unix s>&format=pprof&sampleRate=<Hz>&spyName=agentprof with the gzipped pprof profile as
// the raw request body (with format=pprof the server reads the body itself as the profile; the
// multipart form is only for requests without `format`). The profile's "samples" sample type is
// the one Pyroscope's default mapping shows as CPU.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "exporters/pyroscope/pyroscope_config.h"

namespace agentprof::pyroscope {

struct IngestRequest {
  std::string url;
  std::vector<std::string> headers;  // complete "Name: value" lines
  std::string body;
};

// "app{k1=v1,k2=v2}" (labels in configuration order).
std::string series_name(const PyroscopeConfig& config);
// Percent-encodes everything outside RFC 3986's unreserved set.
std::string url_encode(const std::string& text);
std::string base64(const std::string& bytes);

// `until_unix_s` is raised to from + 1 when the window was shorter than a second.
IngestRequest build_ingest_request(const PyroscopeConfig& config, uint64_t from_unix_s, uint64_t until_unix_s,
                                   uint32_t sample_rate_hz, std::string pprof_gz);

}  // namespace agentprof::pyroscope
