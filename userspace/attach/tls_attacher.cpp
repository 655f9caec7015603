#include "attach/tls_attacher.h"

#include <bpf/libbpf.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include <climits>
#include <cstdlib>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "attach/boringssl/boringssl_locator.h"
#include "attach/boringssl/elf_file.h"
#include "attach/go/go_tls_probes.h"
#include "attach/elf_symbols.h"
#include "attach/kernel_file_key.h"
#include "attach/mapped_image.h"
#include "attach/pinned_file.h"
#include "attach/probe_placement.h"
#include "attach/proc_files.h"
#include "events.h"

namespace agentprof {

TlsAttacher::~TlsAttacher() {
  for (bpf_link* l : links_) bpf_link__destroy(l);
}

namespace {
uint64_t monotonic_now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
}

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

void TlsAttacher::scan_library_dirs(const std::string& root) {
  for (const char* dir : {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/usr/lib64",
                          "/usr/lib", "/lib64", "/usr/local/lib", "/usr/local/lib64"}) {
    DIR* d = opendir((root + dir).c_str());
    if (!d) continue;
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name.rfind("libssl.so", 0) != 0) continue;
      const std::string inside = std::string(dir) + "/" + name;
      consider_file(root + inside, root.empty() ? "" : inside, 0);
    }
    closedir(d);
  }
}

void TlsAttacher::scan_root_of(uint32_t pid) {
  // A process whose root directory is not the host's lives in a container (or chroot): its
  // libraries are other files than the host's. Scanning that root's library directories the first
  // time it is seen attaches them before the container's later processes map them.
  const std::string root = "/proc/" + std::to_string(pid) + "/root";
  struct stat host_root, proc_root;
  if (stat("/", &host_root) != 0 || stat((root + "/").c_str(), &proc_root) != 0) return;
  if (proc_root.st_dev == host_root.st_dev && proc_root.st_ino == host_root.st_ino) return;
  if (!scanned_roots_.insert({proc_root.st_dev, proc_root.st_ino}).second) return;
  scan_library_dirs(root);
}

void TlsAttacher::scan_process(uint32_t pid, uint64_t exec_ns) {
  if (scan_container_roots_) scan_root_of(pid);
  std::string exe_link = "/proc/" + std::to_string(pid) + "/exe";
  char exe[4096];
  ssize_t n = readlink(exe_link.c_str(), exe, sizeof(exe) - 1);
  std::string exe_path = n > 0 ? strip_deleted_suffix(std::string(exe, size_t(n))) : "";
  exec_ns_ = exec_ns;
  for (const MappedFile& f : mapped_files(pid)) {
    if (!f.executable) continue;
    // Only the executable itself and TLS-looking libraries are examined: parsing every mapped
    // library of every process would dominate start-up on a busy host.
    const bool is_exe = f.path == exe_path;
    if (!is_exe && !looks_like_tls_library(f.path)) continue;
    consider_mapping(pid, f, is_exe);
  }
  exec_ns_ = 0;
}

void TlsAttacher::consider_mapping(uint32_t pid, const MappedFile& mapping, bool is_exe) {
  const std::string path = host_path(pid, mapping.path);
  PinnedFile file;
  MappedImageCheck check;
  if (mapping.deleted) {
    check = check_mapped_image(pid, mapping, is_exe, {});
  } else {
    if (!file.open(path)) return;
    check = check_mapped_image(pid, mapping, is_exe, file.identity());
  }
  if (check.verdict == MappedImageCheck::Verdict::kProcessGone) return;
  // The device as maps shows it is the kernel's own: the key the exec and mmap holds look up. Noted
  // only once the file is probed (or refused), so no process of it runs unheld before that.
  const ap_file_key key = kernel_file_key(mapping.dev_major, mapping.dev_minor, mapping.inode);
  if (check.verdict == MappedImageCheck::Verdict::kSame) {
    if (examine_pinned(file, path, mapping.path, pid)) note_examined(key);
    return;
  }
  note_examined(key);
  // Replaced or deleted: the running image is not the file at its path, and probes computed from
  // that file would land at meaningless places in it. Refused once per mapped inode, and reported
  // only when the image is TLS-capable (an upgraded daemon without TLS is not news).
  if (!refused_.insert({makedev(mapping.dev_major, mapping.dev_minor), mapping.inode}).second) return;
  if (is_exe) {  // (libraries get here only with TLS-looking names)
    PinnedFile running;  // the image the process runs, whatever its path holds now
    if (!running.open("/proc/" + std::to_string(pid) + "/exe") || !is_tls_capable(running.proc_path())) return;
  }
  TlsTarget t = make_target(path, mapping.path, pid);
  t.error = check.reason;
  t.kind = "not examined: the process maps another file";
  t.replaced = true;
  targets_.push_back(std::move(t));
}

bool TlsAttacher::is_tls_capable(const std::string& path) const {
  ElfSymbolLookup syms = find_elf_functions(path, {"SSL_write", "SSL_read"});
  if (!syms.ok) return false;
  if (syms.offsets.size() == 2) return true;
  if (syms.is_shared_object) return false;
  if (gotls::is_go_binary(path)) return gotls::locate_go_tls_cached(path, go_cache_dir_).found;
  return boringssl::may_embed_boringssl(path);
}

void TlsAttacher::consider_file(const std::string& path, const std::string& seen_as, uint32_t pid) {
  PinnedFile file;
  if (file.open(path)) examine_pinned(file, path, seen_as, pid);
}

bool TlsAttacher::examine_pinned(const PinnedFile& file, const std::string& display_path,
                                 const std::string& seen_as, uint32_t pid) {
  const ap_file_key key = kernel_file_key_from_stat(file.identity().dev, file.identity().ino);
  if (!examined_.insert({file.identity().dev, file.identity().ino}).second) {
    note_examined(key);  // again: the kernel's table is an LRU and may have dropped it
    return true;
  }
  char resolved[4096];
  std::string shown = seen_as.empty() && realpath(display_path.c_str(), resolved) ? resolved : seen_as;
  const size_t first_new_target = targets_.size();
  const size_t first_new_link = links_.size();
  examine_file(file.proc_path(), shown, pid);
  // Targets name the path the user knows, not the pinned descriptor the work went through.
  for (size_t i = first_new_target; i < targets_.size(); ++i) {
    targets_[i].path = display_path;
    targets_[i].exec_ns = exec_ns_;
    targets_[i].attached_ns = monotonic_now_ns();
  }
  if (file.unchanged()) {
    note_examined(key);
    return true;
  }
  // Rewritten in place while we worked on it (same inode, new size or mtime): offsets computed from
  // the old bytes may not fit the new ones, so whatever was attached comes off again.
  for (size_t i = first_new_link; i < links_.size(); ++i) bpf_link__destroy(links_[i]);
  probes_attached_ -= int(links_.size() - first_new_link);
  links_.resize(first_new_link);
  for (size_t i = first_new_target; i < targets_.size(); ++i) {
    targets_[i].probes = 0;
    targets_[i].functions.clear();
    targets_[i].error = "file changed on disk while it was analysed: not probed";
  }
  return false;
}

void TlsAttacher::examine_file(const std::string& path, const std::string& shown, uint32_t pid) {
  // A cached successful analysis says where to probe: go straight there and skip the pre-checks
  // that lead to it (symbol tables and the read-only data scan cost 10-30 ms on a 380 MB Claude
  // Code binary — time in which a new process runs unprobed). Cached refusals take the normal route.
  if (auto loc = boringssl::cached_boringssl_location(path, boringssl_cache_dir_); loc && loc->found) {
    attach_boringssl_location(path, shown, pid, *loc);
    return;
  }
  if (have_go_programs_) {
    if (auto loc = gotls::cached_go_tls_location(path, go_cache_dir_); loc && loc->found) {
      attach_go_location(path, shown, pid, *loc);
      return;
    }
  }
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
  struct Api {
    const char* function;
    bpf_program* enter;
    bpf_program* exit;  // nullptr: entry only (connection end)
    TlsCallShape shape;
    bool ingress;
  };
  const Api apis[] = {
      {"SSL_write", programs_.write_enter, programs_.write_exit, TlsCallShape::kPlain, false},
      {"SSL_read", programs_.read_enter, programs_.read_exit, TlsCallShape::kPlain, true},
      {"SSL_write_ex", programs_.write_ex_enter, programs_.write_ex_exit, TlsCallShape::kEx, false},
      {"SSL_read_ex", programs_.read_ex_enter, programs_.read_ex_exit, TlsCallShape::kEx, true},
      {"SSL_free", programs_.close_enter, nullptr, TlsCallShape::kPlain, false},
      {"SSL_shutdown", programs_.close_enter, nullptr, TlsCallShape::kPlain, false},
  };
  // The code is read from the pinned file (`path`); a rewrite during the analysis is caught by
  // examine_pinned, which then takes every probe off again.
  boringssl::ElfFile code;
  const bool code_opened = code.open(path);
  std::set<uint64_t> implementations_probed;  // one return probe per implementation shared by wrappers
  auto attach = [&](const char* function, bpf_program* program, bool retprobe, uint64_t offset, uint64_t cookie) {
    return attach_probe(target, path, function, program, retprobe, offset, cookie);
  };
  for (const Api& api : apis) {
    auto it = syms.offsets.find(api.function);
    if (it == syms.offsets.end()) continue;
    const uint64_t offset = it->second;
    TlsProbePlacement placement;
    if (api.exit && programs_.callsite_enter && programs_.impl_exit && code_opened)
      placement = place_tls_probes_in_elf(code, offset, syms.sizes[api.function], api.shape);
    if (placement.at_call_site) {
      uint64_t cookie = (api.ingress ? AP_CALLSITE_DIR_INGRESS : 0) | (placement.done_pointer_in_r8 ? AP_CALLSITE_PTR_R8 : 0);
      if (implementations_probed.insert(placement.implementation).second &&
          !attach(api.function, programs_.impl_exit, true, placement.implementation, 0))
        continue;
      if (attach(api.function, programs_.callsite_enter, false, placement.call_site, cookie))
        target.functions.push_back(std::string(api.function) + " (at its call into its implementation)");
      continue;
    }
    bool entered = attach(api.function, api.enter, false, offset, 0);
    if (api.exit) entered = attach(api.function, api.exit, true, offset, 0) && entered;
    if (entered) target.functions.push_back(api.function);
  }
  targets_.push_back(std::move(target));
}

bool TlsAttacher::attach_probe(TlsTarget& target, const std::string& path, const char* function,
                               bpf_program* program, bool retprobe, uint64_t offset, uint64_t cookie) {
  LIBBPF_OPTS(bpf_uprobe_opts, opts, .bpf_cookie = cookie, .retprobe = retprobe);
  bpf_link* link = bpf_program__attach_uprobe_opts(program, -1, path.c_str(), offset, &opts);
  if (!link) {
    attach_failures_++;
    target.error = std::string("attaching ") + function + ": " + strerror(errno);
    return false;
  }
  links_.push_back(link);
  target.probes++;
  probes_attached_++;
  return true;
}

void TlsAttacher::attach_stripped_boringssl(const std::string& path, const std::string& shown, uint32_t pid) {
  // Function starts come from the code (error sites and their reason codes), never from byte
  // patterns; without exactly one confirmed candidate per function nothing is probed.
  attach_boringssl_location(path, shown, pid, boringssl::locate_boringssl_cached(path, boringssl_cache_dir_));
}

void TlsAttacher::attach_boringssl_location(const std::string& path, const std::string& shown, uint32_t pid,
                                           const boringssl::BoringSslLocation& loc) {
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
  for (const Probe& p : probes)
    if (attach_probe(target, path, p.function, p.program, p.retprobe, p.offset, 0) && !p.retprobe)
      target.functions.push_back(p.function);
  char detail[160];
  snprintf(detail, sizeof(detail), " build %s, analysed in %.2f s%s", loc.build_id.c_str(), loc.analysis_seconds,
           loc.from_cache ? " (cached)" : "");
  target.kind += detail;
  targets_.push_back(std::move(target));
}

void TlsAttacher::attach_go_crypto_tls(const std::string& path, const std::string& shown, uint32_t pid) {
  attach_go_location(path, shown, pid, gotls::locate_go_tls_cached(path, go_cache_dir_));
}

void TlsAttacher::attach_go_location(const std::string& path, const std::string& shown, uint32_t pid,
                                    const gotls::GoTlsLocation& loc) {
  TlsTarget target = make_target(path, shown, pid);
  char timing[64];
  snprintf(timing, sizeof(timing), ", analysed in %.1f ms%s", loc.analysis_seconds * 1000,
           loc.from_cache ? " (cached)" : "");
  target.kind = "go crypto/tls (.gopclntab" + (loc.go_version.empty() ? std::string() : ", " + loc.go_version) +
                timing + ")";
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
