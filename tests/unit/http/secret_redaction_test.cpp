#include <catch2/catch.hpp>

#include "http/secret_redaction.h"

using namespace agentprof;

TEST_CASE("secret query parameters are redacted", "[http][secrets]") {
  CHECK(redact_target("/v1/models") == "/v1/models");
  CHECK(redact_target("/x?key=abc") == "/x?key=REDACTED");
  CHECK(redact_target("/x?alt=sse&KEY=abc&api-key=1&api_key=2&access_token=3&token=4&sig=5&signature=6&keep=7") ==
        "/x?alt=sse&KEY=REDACTED&api-key=REDACTED&api_key=REDACTED&access_token=REDACTED&token=REDACTED"
        "&sig=REDACTED&signature=REDACTED&keep=7");
  CHECK(redact_target("/x?monkey=1&key") == "/x?monkey=1&key");
  CHECK(redact_target("/x?a=1;key=z") == "/x?a=1;key=REDACTED");
  CHECK(redact_target("/x?key=") == "/x?key=REDACTED");
}

TEST_CASE("secret headers are removed", "[http][secrets]") {
  HttpRequestHead h;
  h.target = "/p?token=t";
  for (const char* n : {"authorization", "proxy-authorization", "x-api-key", "x-goog-api-key", "api-key", "cookie",
                        "set-cookie", "user-agent", "anthropic-version"})
    h.headers.items.push_back({n, "v"});
  redact(h);
  REQUIRE(h.headers.items.size() == 2);
  CHECK(h.headers.items[0].name == "user-agent");
  CHECK(h.headers.items[1].name == "anthropic-version");
  CHECK(h.target == "/p?token=REDACTED");
}
