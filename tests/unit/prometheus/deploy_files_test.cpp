// The deploy/ examples must keep working with what agentprof exports: every metric the Grafana
// dashboard and the alerting rules query must exist in a rendered registry snapshot, and promtool
// must accept the rules and the dashboard's PromQL.
#include <simdjson.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "exporters/prometheus/prometheus_text.h"
#include "metrics/metrics_registry.h"

using namespace agentprof;

namespace {

const std::string kRoot = std::string(AGENTPROF_FIXTURES_DIR) + "/../..";

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool have_promtool() { return std::system("command -v promtool >/dev/null 2>&1") == 0; }
bool ci() {
  const char* v = std::getenv("CI");
  return v && std::string(v) == "true";
}

int run(const std::string& cmd, std::string& output) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  REQUIRE(p);
  char buf[512];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) output.append(buf, n);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

// Metric names of a fully fed registry, as rendered (with _bucket/_sum/_count for histograms).
std::set<std::string> exported_names() {
  MetricsRegistry reg;
  Span s;
  s.start_unix_ns = 1;
  s.end_unix_ns = 2;
  s.error = true;
  s.attributes = {{"gen_ai.provider.name", std::string("openai")},
                  {"gen_ai.request.stream", true},
                  {"gen_ai.usage.input_tokens", int64_t(1)},
                  {"gen_ai.response.time_to_first_chunk", 0.1},
                  {"agentprof.output_chunks", int64_t(3)},
                  {"agentprof.chunk_gap.mean_s", 0.1},
                  {"agentprof.cost_usd", 0.1}};
  reg.on_span(s);
  s.attributes.pop_back();
  reg.on_span(s);  // unpriced
  std::string text = render_prometheus_text(reg.snapshot());
  std::set<std::string> names;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line))
    if (!line.empty() && line[0] != '#') names.insert(line.substr(0, line.find_first_of("{ ")));
  names.insert("agentprof_metrics_overflowed_observations_total");  // only present after an overflow
  return names;
}

// Metric-looking identifiers in a PromQL expression (the cost regex stands for its scrape name).
std::set<std::string> metrics_in(std::string expr) {
  expr = std::regex_replace(expr, std::regex(R"(__name__=~"agentprof_cost_\(usd\|USD\)_total")"), "");
  std::set<std::string> out;
  if (expr.find("increase({") != std::string::npos || expr.find("rate({") != std::string::npos)
    out.insert("agentprof_cost_usd_total");
  std::regex name(R"(\b((gen_ai|agentprof|process)_[a-z_]+)\b(?=\s*[\{\[]))");
  for (std::sregex_iterator it(expr.begin(), expr.end(), name), end; it != end; ++it) out.insert((*it)[1]);
  return out;
}

std::vector<std::string> dashboard_exprs() {
  simdjson::dom::parser parser;
  simdjson::padded_string json = simdjson::padded_string::load(kRoot + "/deploy/grafana/agentprof-dashboard.json");
  simdjson::dom::element doc = parser.parse(json);
  std::vector<std::string> exprs;
  for (simdjson::dom::element panel : doc["panels"].get_array()) {
    simdjson::dom::array targets;
    if (panel["targets"].get(targets)) continue;  // rows have none
    for (simdjson::dom::element t : targets) exprs.emplace_back(std::string_view(t["expr"].get_string()));
  }
  return exprs;
}

}  // namespace

TEST_CASE("every metric the dashboard and the alerts query is exported") {
  std::set<std::string> exported = exported_names();
  std::vector<std::string> exprs = dashboard_exprs();
  REQUIRE(exprs.size() >= 10);
  std::string rules = read_file(kRoot + "/deploy/prometheus/agentprof-alerts.yml");
  exprs.push_back(rules);
  std::set<std::string> used;
  for (const auto& e : exprs)
    for (const auto& m : metrics_in(e)) used.insert(m);
  for (const char* expected : {"gen_ai_client_token_usage_sum", "agentprof_cost_usd_total",
                               "gen_ai_client_operation_duration_seconds_bucket",
                               "gen_ai_client_operation_time_to_first_chunk_seconds_bucket",
                               "agentprof_errors_total", "agentprof_calls_total"})
    CHECK(used.count(expected) == 1);
  for (const auto& m : used) {
    INFO(m);
    CHECK(exported.count(m) == 1);
  }
}

TEST_CASE("promtool accepts the alerting rules and the dashboard's PromQL") {
  if (!have_promtool()) {
    if (ci()) FAIL("promtool is not installed (apt-get install prometheus); required under CI=true");
    WARN("promtool not installed: skipped");
    return;
  }
  std::string output;
  CHECK(run("promtool check rules " + kRoot + "/deploy/prometheus/agentprof-alerts.yml", output) == 0);
  INFO(output);

  // The dashboard's queries as recording rules, with Grafana's variables replaced.
  std::string yaml = "groups:\n  - name: dashboard\n    rules:\n";
  int i = 0;
  for (std::string e : dashboard_exprs()) {
    e = std::regex_replace(e, std::regex(R"(\$__rate_interval|\$__range)"), "5m");
    e = std::regex_replace(e, std::regex(R"(\$\w+)"), ".*");
    std::string quoted;
    for (char c : e) quoted += c == '\'' ? std::string("''") : std::string(1, c);
    yaml += "      - record: dashboard:expr" + std::to_string(i++) + "\n        expr: '" + quoted + "'\n";
  }
  char path[] = "/tmp/agentprof-dashboard-rules-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, yaml.data(), yaml.size()) == ssize_t(yaml.size()));
  close(fd);
  std::string out2;
  int status = run(std::string("promtool check rules ") + path, out2);
  unlink(path);
  INFO(out2);
  CHECK(status == 0);
}
