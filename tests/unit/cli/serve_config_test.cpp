#include "cli/serve_config.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <map>

using namespace agentprof;

namespace {

struct TempFile {
  std::string path;
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/agentprof-serve-config-XXXXXX";
    int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    REQUIRE(write(fd, text.data(), text.size()) == ssize_t(text.size()));
    close(fd);
    path = name;
  }
  ~TempFile() { std::remove(path.c_str()); }
};

otlp::EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

}  // namespace

TEST_CASE("profiling is on at 19 Hz with 10 s windows by default; pyroscope is off") {
  ServeConfig c;
  std::string error;
  REQUIRE(load_serve_config(ServeFlags{}, c, error, env_of({})));
  CHECK(c.profiling.enabled);
  CHECK(c.profiling.frequency_hz == 19);
  CHECK(c.profiling.window_seconds == 10);
  CHECK(c.profiling.windows_kept == 30);
  CHECK_FALSE(c.pyroscope.enabled());
}

TEST_CASE("profiling and pyroscope from the file, the environment, then flags") {
  TempFile file(
      "profiling:\n  frequency_hz: 49\n  window_seconds: 5\n  windows_kept: 4\n"
      "pyroscope:\n  url: http://file:4040\n  app_name: from-file\n  labels:\n    env: prod\n"
      "  basic_auth:\n    username: u\n    password: sk-test-SECRET-file\n  tenant_id: team\n"
      "  headers:\n    X-Token: sk-test-SECRET-header\n  timeout: 3s\n");
  ServeFlags flags;
  flags.config_file = file.path;
  ServeConfig c;
  std::string error;
  REQUIRE(load_serve_config(flags, c, error, env_of({{"PYROSCOPE_APPLICATION_NAME", "from-env"}})));
  CHECK(c.profiling.frequency_hz == 49);
  CHECK(c.profiling.window_seconds == 5);
  CHECK(c.profiling.windows_kept == 4);
  CHECK(c.pyroscope.url == "http://file:4040");
  CHECK(c.pyroscope.app_name == "from-env");
  CHECK(c.pyroscope.labels == pyroscope::KeyValuePairs{{"env", "prod"}});
  CHECK(c.pyroscope.basic_auth_password == "sk-test-SECRET-file");
  CHECK(c.pyroscope.tenant_id == "team");
  CHECK(c.pyroscope.timeout == std::chrono::milliseconds(3000));
  std::string text = describe_serve_config(c);
  CHECK(text.find("sk-test-SECRET") == std::string::npos);
  CHECK(text.find("profiling:\n  enabled: true\n  frequency_hz: 49\n") != std::string::npos);
  CHECK(text.find("  app_name: \"from-env\"\n") != std::string::npos);

  flags.pyroscope_app = "from-flag";
  flags.pyroscope_url = "http://flag:4040";
  flags.profile_frequency = 99;
  REQUIRE(load_serve_config(flags, c, error, env_of({{"PYROSCOPE_SERVER_ADDRESS", "http://env:4040"}})));
  CHECK(c.pyroscope.url == "http://flag:4040");
  CHECK(c.pyroscope.app_name == "from-flag");
  CHECK(c.profiling.frequency_hz == 99);
}

TEST_CASE("bad profiling and pyroscope settings are errors naming the key") {
  ServeConfig c;
  std::string error;
  {
    TempFile file("profiling:\n  frequncy_hz: 5\n");
    ServeFlags f;
    f.config_file = file.path;
    CHECK_FALSE(load_serve_config(f, c, error, env_of({})));
    CHECK(error.find("profiling: unknown key 'frequncy_hz'") != std::string::npos);
  }
  ServeFlags f;
  f.profile_frequency = 0;
  CHECK_FALSE(load_serve_config(f, c, error, env_of({})));
  CHECK(error == "profiling.frequency_hz must be between 1 and 1000 (got 0)");
  f = ServeFlags{};
  f.profile_window = 0;
  CHECK_FALSE(load_serve_config(f, c, error, env_of({})));
  CHECK(error == "profiling.window_seconds must be between 1 and 3600 (got 0)");
  f = ServeFlags{};
  f.no_profiling = true;
  f.pyroscope_url = "http://p:4040";
  CHECK_FALSE(load_serve_config(f, c, error, env_of({})));
  CHECK(error == "pyroscope: the push sends continuous-profiling windows, so profiling must be enabled");
  f = ServeFlags{};
  f.pyroscope_url = "p:4040";
  CHECK_FALSE(load_serve_config(f, c, error, env_of({})));
  CHECK(error == "pyroscope url must start with http:// or https:// (got 'p:4040')");
}
