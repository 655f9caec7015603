#include "attach/tls_attacher.h"

#include <bpf/libbpf.h>
#include <dirent.h>
#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "attach/boringssl/boringssl_locator.h"
#include "attach/go/go_tls_probes.h"
#include "attach/elf_symbols.h"
#include "attach/proc_files.h"

namespace agentprof {

TlsAttacher::~TlsAttacher() {
  for (bpf_link* l : links_) bpf_link__destroy(l);
}

namespace {
TlsTarget make_target(const std::string& path, const std::string& shown, uint32_t pid) {
  TlsTarget t;
  t.path = path;
  t.seen_as = shown;
  t.first_pid = pid;
  return t;
}
}  // namespace

bool looks_like_tls_library(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  return base.rfind("libssl", 0) == 0 || base.rfind("libboringssl", 0) == 0 ||
         base.rfind("libnode", 0) == 0;
}

void TlsAttacher::scan_library_dirs() {
  for (const char* dir : {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/usr/lib64",
                          "/usr/lib", "/lib64", "/usr/local/lib", "/usr/local/lib64"}) {
    DIR* d = opendir(dir);
    if (!d) continue;
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name.rfind("libssl.so", 0) == 0) consider_file(std::string(dir) + "/" + name, "", 0);
    }
    closedir(d);
  }
}

void TlsAttacher::scan_process(uint32_t pid) {
  std::string exe_link = "/proc/" + std::to_string(pid) + "/exe";
  char exe[4096];
  ssize_t n = readlink(exe_link.c_str(), exe, sizeof(exe) - 1);
  std::string exe_path = n > 0 ? std::string(exe, size_t(n)) : "";
  for (const MappedFile& f : mapped_files(pid)) {
    if (!f.executable) continue;
    // Only the executable itself and TLS-looking libraries are examined: parsing every mapped
    // library of every process would dominate start-up on a busy host.
    if (f.path != exe_path && !looks_like_tls_library(f.path)) continue;
    consider_file(host_path(pid, f.path), f.path, pid);
  }
}

void TlsAttacher::consider_file(const std::string& path, const std::string& seen_as, uint32_t pid) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;
  if (!examined_.insert({st.st_dev, st.st_ino}).second) return;
  char resolved[4096];
  std::string shown = seen_as.empty() && realpath(path.c_str(), resolved) ? resolved : seen_as;

  static const std::set<std::string> kWanted = {"SSL_write",    "SSL_read",  "SSL_write_ex",
                                                "SSL_read_ex",  "SSL_free",  "SSL_shutdown"};
  ElfSymbolLookup syms = find_elf_functions(path, kWanted);
  if (have_go_programs_ && syms.ok && !syms.offsets.count("SSL_write") && !syms.is_shared_object &&
      gotls::is_go_binary(path)) {
    attach_go_crypto_tls(path, shown, pid);
    return;
  }
  if (syms.ok && (!syms.offsets.count("SSL_write") || !syms.offsets.count("SSL_read")) &&
      !syms.is_shared_object && boringssl::may_embed_boringssl(path)) {
    attach_stripped_boringssl(path, shown, pid);
    return;
  }
  if (!syms.ok || !syms.offsets.count("SSL_write") || !syms.offsets.count("SSL_read")) {
    // Not a TLS library (the common case for executables): nothing to record.
    if (looks_like_tls_library(path) && syms.ok) {
      TlsTarget t = make_target(path, shown, pid);
      t.error = "no SSL_write/SSL_read symbols (stripped?)";
      targets_.push_back(t);
    }
    return;
  }

  TlsTarget target = make_target(path, shown, pid);
  struct Probe {
    const char* function;
    bpf_program* program;
    bool retprobe;
  };
  const Probe probes[] = {
      {"SSL_write", programs_.write_enter, false},     {"SSL_write", programs_.write_exit, true},
      {"SSL_read", programs_.read_enter, false},       {"SSL_read", programs_.read_exit, true},
      {"SSL_write_ex", programs_.write_ex_enter, false}, {"SSL_write_ex", programs_.write_ex_exit, true},
      {"SSL_read_ex", programs_.read_ex_enter, false}, {"SSL_read_ex", programs_.read_ex_exit, true},
      {"SSL_free", programs_.close_enter, false},      {"SSL_shutdown", programs_.close_enter, false},
  };
  for (const Probe& p : probes) {
    auto it = syms.offsets.find(p.function);
    if (it == syms.offsets.end()) continue;
    bpf_link* link = bpf_program__attach_uprobe(p.program, p.retprobe, -1, path.c_str(), it->second);
    if (!link) {
      attach_failures_++;
      target.error = std::string("attaching ") + p.function + ": " + strerror(errno);
      continue;
    }
    links_.push_back(link);
    target.probes++;
    probes_attached_++;
    if (!p.retprobe) target.functions.push_back(p.function);
  }
  targets_.push_back(std::move(target));
}

void TlsAttacher::attach_stripped_boringssl(const std::string& path, const std::string& shown, uint32_t pid) {
  // Function starts come from the code (error sites and their reason codes), never from byte
  // patterns; without exactly one confirmed candidate per function nothing is probed.
  boringssl::BoringSslLocation loc = boringssl::locate_boringssl_cached(path, boringssl_cache_dir_);
  TlsTarget target = make_target(path, shown, pid);
  target.kind = "boringssl (stripped, located from its error sites)";
  if (!loc.found) {
    target.error = "BoringSSL suspected but not attached: " + loc.reason;
    targets_.push_back(std::move(target));
    return;
  }
  struct Probe {
    const char* function;
    bpf_program* program;
    bool retprobe;
    uint64_t offset;
  };
  std::vector<Probe> probes = {
      {"SSL_write", programs_.write_enter, false, loc.ssl_write},
      {"SSL_write", programs_.write_exit, true, loc.ssl_write},
      {"SSL_read", programs_.read_enter, false, loc.ssl_read},
      {"SSL_read", programs_.read_exit, true, loc.ssl_read},
  };
  if (loc.destructor_found) probes.push_back({"ssl_st destructor", programs_.close_enter, false, loc.ssl_free_destructor});
  else target.note = "no destructor probe (" + loc.destructor_reason + "): connections end at process exit";
  for (const Probe& p : probes) {
    bpf_link* link = bpf_program__attach_uprobe(p.program, p.retprobe, -1, path.c_str(), p.offset);
    if (!link) {
      attach_failures_++;
      target.error = std::string("attaching ") + p.function + ": " + strerror(errno);
      continue;
    }
    links_.push_back(link);
    target.probes++;
    probes_attached_++;
    if (!p.retprobe) target.functions.push_back(p.function);
  }
  char detail[160];
  snprintf(detail, sizeof(detail), " build %s, analysed in %.2f s%s", loc.build_id.c_str(), loc.analysis_seconds,
           loc.from_cache ? " (cached)" : "");
  target.kind += detail;
  targets_.push_back(std::move(target));
}

void TlsAttacher::attach_go_crypto_tls(const std::string& path, const std::string& shown, uint32_t pid) {
  gotls::GoTlsLocation loc = gotls::locate_go_tls(path);
  TlsTarget target = make_target(path, shown, pid);
  target.kind = "go crypto/tls (.gopclntab" + (loc.go_version.empty() ? std::string() : ", " + loc.go_version) + ")";
  if (!loc.found) {
    target.error = "Go binary not attached: " + loc.reason;
    targets_.push_back(std::move(target));
    return;
  }
  std::string error;
  int n = gotls::attach_go_tls(path, loc, go_programs_, links_, error);
  if (n == 0) {
    attach_failures_++;
    target.error = error;
  } else {
    target.probes = n;
    probes_attached_ += n;
    target.functions = {loc.write.name, loc.read.name};
    if (loc.has_close) target.functions.push_back(loc.close.name);
    if (!error.empty()) target.note = error;
  }
  targets_.push_back(std::move(target));
}

}  // namespace agentprof
