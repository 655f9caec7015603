#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "exporters/flame/svg_writer.h"
#include "profile_fixtures.h"

using namespace agentprof;
using namespace agentprof::flame;
using namespace agentprof::flame::testing;

namespace {

struct Box {
  std::string name;
  uint64_t samples = 0;
  int depth = 0;
  double width = 0;
  std::string fill;
  std::string title;
};

// Parses the SVG with python3's xml.etree (a real XML parser: fails on malformed output) and
// returns its boxes keyed by "depth:name". Also checks nothing is loaded from outside the file.
std::multimap<std::string, Box> parse_svg(const std::string& svg) {
  const std::string svg_path = temp_path("parse.svg"), py_path = temp_path("parse.py");
  std::ofstream(svg_path) << svg;
  std::ofstream(py_path) << R"PY(
import sys, xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == ns + "svg", root.tag
for el in root.iter():
    for k, v in el.attrib.items():
        assert "href" not in k and "url(" not in v, (k, v)
    if el.tag == ns + "script":
        assert "src" not in el.attrib
        assert "function zoomTo" in el.text and "function applySearch" in el.text
for g in root.iter(ns + "g"):
    if g.get("class") != "f":
        continue
    title = g.find(ns + "title").text
    rect = g.find(ns + "rect")
    print("\t".join([title.split("\n")[0], g.get("data-n"), g.get("data-d"), rect.get("width"),
                     rect.get("fill"), title.replace("\n", "|")]))
print("OK")
)PY";
  std::string out;
  const int rc = run_command("PYTHONIOENCODING=utf-8 python3 " + py_path + " " + svg_path + " 2>&1", out);
  std::remove(svg_path.c_str());
  std::remove(py_path.c_str());
  INFO(out);
  REQUIRE(rc == 0);
  REQUIRE(out.size() >= 3);
  REQUIRE(out.substr(out.size() - 3) == "OK\n");
  std::multimap<std::string, Box> boxes;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line == "OK") break;
    std::istringstream fields(line);
    Box b;
    std::string samples, depth, width;
    std::getline(fields, b.name, '\t');
    std::getline(fields, samples, '\t');
    std::getline(fields, depth, '\t');
    std::getline(fields, width, '\t');
    std::getline(fields, b.fill, '\t');
    std::getline(fields, b.title, '\t');
    b.samples = std::stoull(samples);
    b.depth = std::stoi(depth);
    b.width = std::stod(width);
    boxes.emplace(std::to_string(b.depth) + ":" + b.name, b);
  }
  return boxes;
}

}  // namespace

TEST_CASE("SVG is well-formed, self-contained, and boxes are merged and sized by samples", "[flame]") {
  std::string svg, error;
  SvgOptions options;
  REQUIRE(render_svg(sample_profile(), options, svg, error));
  const auto boxes = parse_svg(svg);
  const double plot_width = options.width_px - 20;  // 10 px padding each side
  const double total = 140;

  // One box per function per parent: "hot" from two samples, "handle" from two lines.
  const std::map<std::string, uint64_t> expected = {
      {"0:all", 140}, {"1:agent", 100}, {"1:python3", 40}, {"2:main", 100}, {"3:work", 80},
      {"3:idle", 20}, {"4:hot", 75},    {"4:sys_write", 5}, {"2:_PyEval", 40}, {"3:handle", 40}};
  REQUIRE(boxes.size() == expected.size());
  for (const auto& [key, samples] : expected) {
    INFO(key);
    REQUIRE(boxes.count(key) == 1);
    const Box& b = boxes.find(key)->second;
    CHECK(b.samples == samples);
    CHECK(std::fabs(b.width - samples / total * plot_width) < 0.011);
  }
  // Tooltip: function, module, kind, samples and percentage.
  CHECK(boxes.find("4:hot")->second.title == "hot|module: /usr/bin/agent|kind: native|samples: 75 (53.57%)|self: 75 (53.57%)");
  CHECK(boxes.find("3:handle")->second.title.find("file: app.py|kind: python|samples: 40 (28.57%)") != std::string::npos);
  // Colors by kind: kernel amber (high red, mid green), python green, native red.
  const auto rgb = [](const std::string& fill) {
    int r, g, b;
    REQUIRE(std::sscanf(fill.c_str(), "rgb(%d,%d,%d)", &r, &g, &b) == 3);
    return std::array<int, 3>{r, g, b};
  };
  const auto python_rgb = rgb(boxes.find("3:handle")->second.fill);
  CHECK(python_rgb[1] > python_rgb[0]);
  const auto native_rgb = rgb(boxes.find("4:hot")->second.fill);
  CHECK(native_rgb[0] > native_rgb[1]);
  const auto kernel_rgb = rgb(boxes.find("4:sys_write")->second.fill);
  CHECK(kernel_rgb[1] >= 165);
  CHECK(native_rgb[1] <= 150);
  // Header reports what was lost.
  CHECK(svg.find("3 samples lost") != std::string::npos);
}

TEST_CASE("SVG hides boxes narrower than a pixel but keeps their samples in the parent", "[flame]") {
  Profile p;
  p.samples.push_back({1, "a", {native("main"), native("big")}, 10000});
  p.samples.push_back({1, "a", {native("main"), native("tiny")}, 1});  // 0.1 px at 1200 px
  std::string svg, error;
  REQUIRE(render_svg(p, SvgOptions{}, svg, error));
  const auto boxes = parse_svg(svg);
  CHECK(boxes.count("3:big") == 1);
  CHECK(boxes.count("3:tiny") == 0);
  REQUIRE(boxes.count("2:main") == 1);
  CHECK(boxes.find("2:main")->second.samples == 10001);
}

TEST_CASE("SVG escapes hostile names and survives an empty profile", "[flame]") {
  Profile p;
  p.samples.push_back({1, "<script>", {native("operator<<(std::ostream&, \"x\") ]]> \xFF\x01")}, 5});
  std::string svg, error;
  REQUIRE(render_svg(p, SvgOptions{}, svg, error));
  const auto boxes = parse_svg(svg);
  CHECK(boxes.count("1:<script>") == 1);
  CHECK(boxes.count("2:operator<<(std::ostream&, \"x\") ]]> \xEF\xBF\xBD\xEF\xBF\xBD") == 1);

  REQUIRE(render_svg(Profile{}, SvgOptions{}, svg, error));
  CHECK(parse_svg(svg).empty());
  CHECK(svg.find("No samples") != std::string::npos);
}

TEST_CASE("SVG rejects unusable options", "[flame]") {
  std::string svg, error;
  SvgOptions options;
  options.width_px = 10;
  CHECK_FALSE(render_svg(sample_profile(), options, svg, error));
  CHECK_FALSE(error.empty());
}

// Not run by default: `flame_test "[.demo]"` writes a realistic flame graph to
// $AGENTPROF_FLAME_DEMO (default /tmp/agentprof-flame-demo.svg) for looking at in a browser.
TEST_CASE("demo SVG for manual inspection", "[.demo]") {
  Profile p;
  p.frequency_hz = 99;
  p.sample_period_ns = 10'101'010;
  p.duration_ns = 5'000'000'000;
  const Frame start = native("_start", "/usr/bin/python3.11"), libc_main = native("__libc_start_main", "/usr/lib/libc.so.6"),
              py_main = native("Py_RunMain", "/usr/bin/python3.11"), eval = native("_PyEval_EvalFrameDefault", "/usr/bin/python3.11");
  auto stack = [&](std::vector<Frame> leafward, uint64_t count) {
    StackSample s = make_sample(4242, "python3", count);
    s.frames = {start, libc_main, py_main, eval, python("<module>", "agent.py", 1), python("run_agent", "agent.py", 40)};
    s.frames.insert(s.frames.end(), leafward.begin(), leafward.end());
    p.samples.push_back(std::move(s));
  };
  stack({python("call_llm", "llm.py", 12), python("json.loads", "json/__init__.py", 346), eval, native("scanstring_unicode", "/usr/lib/_json.so")}, 120);
  stack({python("call_llm", "llm.py", 14), python("ssl.read", "ssl.py", 1134), native("SSL_read", "/usr/lib/libssl.so.3"), kernel("tcp_recvmsg")}, 60);
  stack({python("call_llm", "llm.py", 14), python("ssl.read", "ssl.py", 1134), native("SSL_read", "/usr/lib/libssl.so.3"), native("aes_gcm_decrypt", "/usr/lib/libcrypto.so.3")}, 45);
  stack({python("run_tool", "tools.py", 88), python("tokenize", "tools.py", 20), eval, native("unicode_decode_utf8", "/usr/bin/python3.11")}, 200);
  stack({python("run_tool", "tools.py", 90), python("subprocess.run", "subprocess.py", 505), kernel("do_syscall_64"), kernel("__x64_sys_clone3")}, 35);
  stack({python("summarize", "agent.py", 70)}, 25);
  StackSample node = make_sample(777, "node", 0);
  node.frames = {native("node::Start", "/usr/bin/node"), make_frame("LazyCompile:*handleRequest server.js:10", FrameKind::kJit, "/tmp/perf-777.map"),
                 make_frame("LazyCompile:*JSON.stringify", FrameKind::kJit, "/tmp/perf-777.map")};
  node.count = 90;
  p.samples.push_back(node);
  std::string svg, error;
  SvgOptions options;
  options.title = "agentprof demo flame graph";
  REQUIRE(render_svg(p, options, svg, error));
  const char* path = std::getenv("AGENTPROF_FLAME_DEMO");
  std::ofstream(path != nullptr ? path : "/tmp/agentprof-flame-demo.svg") << svg;
}
