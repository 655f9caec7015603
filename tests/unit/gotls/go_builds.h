// Real Go programs for the Go locator tests, built once per test run with Debian's golang-go into a
// temporary directory (own GOCACHE/GOPATH): the client from tests/integration/go_client stripped
// (-s -w) and not, as PIE and not, and a hello-world without crypto/tls.
#pragma once

#include <string>

namespace gotls_test {

struct GoBuilds {
  bool have_go = false;
  std::string dir, stripped, full, pie_stripped, pie_full, no_tls;
  GoBuilds();
  ~GoBuilds();
};

GoBuilds& builds();
// True when `go` is there; otherwise a failure under CI=true, else a warning (the caller returns).
bool require_go();
// A shell command's standard output.
std::string run(const std::string& command);

}  // namespace gotls_test
