#include "go_builds.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace gotls_test {

namespace {

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && (std::string(ci) == "true" || std::string(ci) == "1");
}

}  // namespace

std::string run(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

GoBuilds::GoBuilds() {
  have_go = std::system("command -v go >/dev/null 2>&1") == 0;
  if (!have_go) return;
  char tmpl[] = "/tmp/agentprof-gotls-XXXXXX";
  if (!mkdtemp(tmpl)) return;
  dir = tmpl;
  std::string env = "cd " AGENTPROF_GO_CLIENT_DIR " && env GOCACHE=" + dir + "/cache GOPATH=" + dir +
                    "/gopath GOFLAGS=-mod=mod GO111MODULE=on CGO_ENABLED=0 ";
  stripped = dir + "/client_stripped";
  full = dir + "/client_full";
  std::system((env + "go build -ldflags='-s -w' -o " + stripped + " . >&2").c_str());
  std::system((env + "go build -o " + full + " . >&2").c_str());
  pie_stripped = dir + "/client_pie_stripped";
  pie_full = dir + "/client_pie_full";
  std::system((env + "go build -buildmode=pie -ldflags='-s -w' -o " + pie_stripped + " . >&2").c_str());
  std::system((env + "go build -buildmode=pie -o " + pie_full + " . >&2").c_str());
  std::string hello = dir + "/hello";
  std::system(("mkdir -p " + hello).c_str());
  std::ofstream(hello + "/go.mod") << "module hello\n\ngo 1.17\n";
  std::ofstream(hello + "/main.go") << "package main\n\nimport \"os\"\n\nfunc main() { os.Stdout.WriteString(\"hi\\n\") }\n";
  no_tls = dir + "/hello_bin";
  std::system(("cd " + hello + " && env GOCACHE=" + dir + "/cache GOPATH=" + dir +
               "/gopath GOFLAGS=-mod=mod CGO_ENABLED=0 go build -ldflags='-s -w' -o " + no_tls + " . >&2")
                  .c_str());
}

GoBuilds::~GoBuilds() {
  if (!dir.empty()) std::system(("chmod -R u+w " + dir + " 2>/dev/null; rm -rf " + dir).c_str());
}

GoBuilds& builds() {
  static GoBuilds b;
  return b;
}

bool require_go() {
  if (builds().have_go) return true;
  if (in_ci()) FAIL("`go` (Debian golang-go) is missing and CI=true");
  WARN("skipped: `go` not installed (apt-get install golang-go)");
  return false;
}

}  // namespace gotls_test
