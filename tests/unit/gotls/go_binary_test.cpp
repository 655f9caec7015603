// locate_go_tls on real Go executables built here from tests/integration/go_client (stripped with
// -s -w and not), checked against `go tool nm` of the unstripped build; a Go program without
// crypto/tls and non-Go files are refused with a reason.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "attach/go/go_tls_locator.h"
#include "go_builds.h"

using agentprof::gotls::GoFunctionProbes;
using agentprof::gotls::GoTlsLocation;
using agentprof::gotls::locate_go_tls;
using gotls_test::builds;
using gotls_test::GoBuilds;
using gotls_test::require_go;
using gotls_test::run;

namespace {

// Function addresses by name from the symbol table of the unstripped build.
std::map<std::string, uint64_t> nm_addresses(const std::string& binary) {
  std::map<std::string, uint64_t> out;
  std::string text = run("go tool nm " + binary);
  size_t at = 0;
  while (at < text.size()) {
    size_t eol = text.find('\n', at);
    if (eol == std::string::npos) eol = text.size();
    std::string line = text.substr(at, eol - at);
    at = eol + 1;
    unsigned long long addr = 0;
    char type = 0;
    char name[512];
    if (std::sscanf(line.c_str(), " %llx %c %511s", &addr, &type, name) == 3) out[name] = addr;
  }
  return out;
}

uint8_t byte_at(const std::string& path, uint64_t offset) {
  std::ifstream f(path, std::ios::binary);
  f.seekg(std::streamoff(offset));
  char c = 0;
  f.read(&c, 1);
  return uint8_t(c);
}

void check_function(const std::string& path, const GoFunctionProbes& f) {
  INFO(f.name);
  REQUIRE_FALSE(f.rets.empty());
  for (uint64_t r : f.rets) {
    CHECK(r > f.entry);
    CHECK(r - f.entry < 0x10000);
    CHECK(byte_at(path, r) == 0xc3);  // near RET
  }
  // The register-ABI prologue compares the stack pointer (or a lowered copy, for big frames) with
  // g.stackguard0 at [r14+0x10]: cmp rsp|r12, [r14+0x10] = 49|4d 3b 66 10, within the first bytes.
  bool stack_check = false;
  for (uint64_t i = 0; i < 12 && !stack_check; i++) {
    uint8_t rex = byte_at(path, f.entry + i);
    stack_check = (rex == 0x49 || rex == 0x4d) && byte_at(path, f.entry + i + 1) == 0x3b &&
                  byte_at(path, f.entry + i + 2) == 0x66 && byte_at(path, f.entry + i + 3) == 0x10;
  }
  CHECK(stack_check);
  // The entry probe is that check's jbe (rel8 0x76 or rel32 0x0f 0x86), a few bytes in.
  CHECK(f.entry_at_stack_check);
  CHECK(f.entry_probe > f.entry);
  CHECK(f.entry_probe - f.entry <= 16);
  uint8_t op = byte_at(path, f.entry_probe);
  CHECK((op == 0x76 || (op == 0x0f && byte_at(path, f.entry_probe + 1) == 0x86)));
}

}  // namespace

TEST_CASE("locate_go_tls: stripped and unstripped Go client", "[gotls][go]") {
  if (!require_go()) return;
  const GoBuilds& b = builds();
  auto symbols = nm_addresses(b.full);
  REQUIRE(symbols.count("crypto/tls.(*Conn).Write"));
  REQUIRE(symbols.count("crypto/tls.(*Conn).Read"));

  GoTlsLocation full = locate_go_tls(b.full);
  REQUIRE(full.found);
  CHECK(full.write.entry_vaddr == symbols["crypto/tls.(*Conn).Write"]);
  CHECK(full.read.entry_vaddr == symbols["crypto/tls.(*Conn).Read"]);
  REQUIRE(full.has_close);
  CHECK(full.close.entry_vaddr == symbols["crypto/tls.(*Conn).Close"]);
  CHECK(full.go_version.rfind("go1.", 0) == 0);
  CHECK(full.go_version == run("go env GOVERSION").substr(0, full.go_version.size()));

  GoTlsLocation stripped = locate_go_tls(b.stripped);
  INFO(stripped.reason);
  REQUIRE(stripped.found);
  // -s -w removes symbols and DWARF, not code: the same functions at the same places.
  CHECK(stripped.write.entry_vaddr == full.write.entry_vaddr);
  CHECK(stripped.read.entry_vaddr == full.read.entry_vaddr);
  CHECK(stripped.write.rets == full.write.rets);
  CHECK(stripped.read.rets == full.read.rets);
  CHECK(stripped.go_version == full.go_version);
  check_function(b.stripped, stripped.write);
  check_function(b.stripped, stripped.read);
}

TEST_CASE("locate_go_tls: PIE build (.data.rel.ro.gopclntab, relocated text start)", "[gotls][go]") {
  if (!require_go()) return;
  const GoBuilds& b = builds();
  auto symbols = nm_addresses(b.pie_full);
  REQUIRE(symbols.count("crypto/tls.(*Conn).Write"));
  GoTlsLocation pie = locate_go_tls(b.pie_stripped);
  INFO(pie.reason);
  REQUIRE(pie.found);
  CHECK(pie.write.entry_vaddr == symbols["crypto/tls.(*Conn).Write"]);
  CHECK(pie.read.entry_vaddr == symbols["crypto/tls.(*Conn).Read"]);
  check_function(b.pie_stripped, pie.write);
  check_function(b.pie_stripped, pie.read);
}

TEST_CASE("locate_go_tls: table found by its magic when the section is not named", "[gotls][go]") {
  if (!require_go()) return;
  // Rename .gopclntab to .rodata in the section-name table (same length, NUL-padded).
  std::ifstream in(builds().stripped, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string from(".gopclntab\0", 11), to(".rodata\0\0\0\0", 11);
  size_t at = bytes.rfind(from);
  REQUIRE(at != std::string::npos);
  bytes.replace(at, from.size(), to);
  std::string renamed = builds().dir + "/renamed";
  std::ofstream(renamed, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
  GoTlsLocation loc = locate_go_tls(renamed);
  INFO(loc.reason);
  REQUIRE(loc.found);
  GoTlsLocation original = locate_go_tls(builds().stripped);
  CHECK(loc.write.entry == original.write.entry);
  CHECK(loc.read.rets == original.read.rets);
}

TEST_CASE("locate_go_tls: refusals say why", "[gotls][go]") {
  GoTlsLocation not_go = locate_go_tls("/bin/sh");
  CHECK_FALSE(not_go.found);
  CHECK(not_go.reason.find("gopclntab") != std::string::npos);

  char path[] = "/tmp/agentprof-gotls-notelf-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, "not an elf file at all, just text\n", 34) == 34);
  close(fd);
  GoTlsLocation not_elf = locate_go_tls(path);
  unlink(path);
  CHECK_FALSE(not_elf.found);
  CHECK_FALSE(not_elf.reason.empty());

  GoTlsLocation missing = locate_go_tls("/nonexistent/agentprof/go-binary");
  CHECK_FALSE(missing.found);
  CHECK_FALSE(missing.reason.empty());

  if (!require_go()) return;
  GoTlsLocation hello = locate_go_tls(builds().no_tls);
  CHECK_FALSE(hello.found);
  CHECK(hello.reason.find("not in the function table") != std::string::npos);
  CHECK(agentprof::gotls::is_go_binary(builds().no_tls));
  CHECK_FALSE(agentprof::gotls::is_go_binary("/bin/sh"));
}

TEST_CASE("locate_go_tls: a truncated Go binary is refused, not probed", "[gotls][go]") {
  if (!require_go()) return;
  std::string cut = builds().dir + "/truncated";
  std::ifstream in(builds().stripped, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(cut, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size() / 2));
  GoTlsLocation loc = locate_go_tls(cut);
  CHECK_FALSE(loc.found);
  CHECK_FALSE(loc.reason.empty());
}
