#include "exporters/pyroscope/pyroscope_request.h"

#include <catch2/catch.hpp>

using namespace agentprof::pyroscope;

namespace {
PyroscopeConfig config() {
  PyroscopeConfig c;
  c.url = "http://pyroscope.example:4040/";
  c.app_name = "agents";
  c.labels = {{"env", "prod"}, {"host.name", "node-1"}};
  return c;
}
}  // namespace

TEST_CASE("the ingest URL carries name, time range, format, rate and spy name") {
  IngestRequest r = build_ingest_request(config(), 1700000000, 1700000010, 19, "PPROF");
  CHECK(r.url ==
        "http://pyroscope.example:4040/ingest?name=agents%7Benv%3Dprod%2Chost.name%3Dnode-1%7D"
        "&from=1700000000&until=1700000010&format=pprof&sampleRate=19&spyName=agentprof");
  CHECK(r.body == "PPROF");
  CHECK(r.headers == std::vector<std::string>{"Content-Type: application/octet-stream", "User-Agent: agentprof"});
  CHECK(series_name(config()) == "agents{env=prod,host.name=node-1}");
  PyroscopeConfig bare;
  bare.url = "https://p";
  CHECK(series_name(bare) == "agentprof{}");
}

TEST_CASE("a window shorter than a second still has until > from") {
  IngestRequest r = build_ingest_request(config(), 100, 100, 99, "");
  CHECK(r.url.find("&from=100&until=101&") != std::string::npos);
}

TEST_CASE("credentials, tenant and extra headers become request headers") {
  PyroscopeConfig c = config();
  c.basic_auth_user = "user";
  c.basic_auth_password = "sk-test-SECRET";
  c.tenant_id = "team-a";
  c.headers = {{"X-Extra", "1"}};
  IngestRequest r = build_ingest_request(c, 1, 2, 19, "");
  CHECK(r.headers[2] == "Authorization: Basic " + base64("user:sk-test-SECRET"));
  CHECK(r.headers[3] == "X-Scope-OrgID: team-a");
  CHECK(r.headers[4] == "X-Extra: 1");
}

TEST_CASE("base64 and URL encoding") {
  CHECK(base64("") == "");
  CHECK(base64("f") == "Zg==");
  CHECK(base64("fo") == "Zm8=");
  CHECK(base64("foo") == "Zm9v");
  CHECK(base64("user:pass") == "dXNlcjpwYXNz");
  CHECK(base64(std::string("\xff\x00\x10", 3)) == "/wAQ");
  CHECK(url_encode("a-b_c.d~e f{}=,/") == "a-b_c.d~e%20f%7B%7D%3D%2C%2F");
}

TEST_CASE("configurations Pyroscope would refuse are rejected with the reason") {
  PyroscopeConfig c = config();
  CHECK(c.validate().empty());
  c.url = "pyroscope:4040";
  CHECK(c.validate() == "pyroscope url must start with http:// or https:// (got 'pyroscope:4040')");
  c = config();
  c.url = "http://p/?x=1";
  CHECK(c.validate() == "pyroscope url must not have a query or fragment");
  c = config();
  c.app_name = "my app";
  CHECK(c.validate() == "pyroscope app_name 'my app': only letters, digits and _ . - / are allowed");
  c = config();
  c.labels = {{"bad-key", "v"}};
  CHECK(c.validate() == "pyroscope label name 'bad-key': only letters, digits, _ and . are allowed");
  c.labels = {{"__name__", "v"}};
  CHECK(c.validate() == "pyroscope label name '__name__' is not allowed");
  for (const char* v : {"a,b", "a}b", "", " a", "a=b"}) {
    c.labels = {{"k", v}};
    CHECK_FALSE(c.validate().empty());
  }
  c = config();
  c.headers = {{"X-A", "v\r\nInjected: 1"}};
  CHECK(c.validate() == "pyroscope header 'X-A': the value must not contain control characters");
  c = config();
  c.basic_auth_user = "a:b";
  CHECK(c.validate() == "pyroscope basic_auth username must not contain ':'");
}

TEST_CASE("describe redacts the password, header values and URL user info") {
  PyroscopeConfig c = config();
  c.url = "https://user:sk-test-SECRET-url@pyroscope.example/base?token=sk-test-SECRET-q";
  c.basic_auth_user = "user";
  c.basic_auth_password = "sk-test-SECRET-pw";
  c.headers = {{"Authorization", "Bearer sk-test-SECRET-h"}};
  std::string text = c.describe();
  CHECK(text.find("sk-test-SECRET") == std::string::npos);
  CHECK(text.find("url: \"https://pyroscope.example/base\"") != std::string::npos);
  CHECK(text.find("password <redacted>") != std::string::npos);
  CHECK(text.find("Authorization=<redacted>") != std::string::npos);
  CHECK(url_for_display("http://a@b:1/x@y") == "http://b:1/x@y");
}
