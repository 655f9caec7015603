// Where a request went: the parts of the request head a decoder is chosen by.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/connection.h"
#include "http/http_message.h"

namespace agentprof {

struct RequestRoute {
  std::string method;
  std::string path;   // without query
  std::string query;  // without '?', secrets already redacted by the http stage
  std::string host;   // Host header without port, lower-case; empty when absent
  std::optional<uint16_t> host_port;  // explicit port in the Host header
  uint16_t remote_port = 0;           // connection's remote port, 0 when unknown

  // Value of a query parameter (not URL-decoded), or nullopt.
  std::optional<std::string_view> query_param(std::string_view name) const;
  // Port to report as server.port: explicit Host port, else the connection's, else nullopt.
  std::optional<uint16_t> server_port() const;
};

RequestRoute make_route(const HttpRequestHead& head, const ConnMeta& conn);

// Path segment following `marker` (e.g. "/models/") up to the next stop char, percent-decoded.
// Google paths end the model at ':' (":generateContent"); Bedrock model ids may contain ':'.
std::optional<std::string> path_segment_after(std::string_view path, std::string_view marker,
                                              std::string_view stop_chars = "/:");

bool ends_with(std::string_view s, std::string_view suffix);
bool contains(std::string_view s, std::string_view needle);

}  // namespace agentprof
