// Removal of credentials from message heads before they leave the http stage.
#pragma once

#include <string>
#include <string_view>

#include "http/http_message.h"

namespace agentprof {

// True for header names (lower-case) that carry credentials or session tokens.
bool is_secret_header(std::string_view lower_name);

// True for query parameter names (any case) whose values are credentials.
bool is_secret_query_param(std::string_view name);

// Drops secret headers. Returns how many were dropped.
size_t remove_secret_headers(HttpHeaders& headers);

// Replaces the value of every secret query parameter of `target` with "REDACTED".
std::string redact_target(std::string_view target);

void redact(HttpRequestHead& head);
void redact(HttpResponseHead& head);

}  // namespace agentprof
