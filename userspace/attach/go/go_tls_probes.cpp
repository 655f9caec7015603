#include "attach/go/go_tls_probes.h"

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>

#include "events.h"

namespace agentprof::gotls {

int attach_go_tls(const std::string& path, const GoTlsLocation& location, const GoTlsPrograms& programs,
                  std::vector<bpf_link*>& links, std::string& error) {
  if (!location.found) {
    error = location.reason;
    return 0;
  }
  struct Probe {
    bpf_program* program;
    uint64_t offset;
    const char* what;
    uint64_t cookie = 0;
  };
  auto entry = [](bpf_program* program, const GoFunctionProbes& f, const char* what) {
    return Probe{program, f.entry_probe, what, f.entry_at_stack_check ? uint64_t(AP_GO_AT_STACK_CHECK) : 0};
  };
  std::vector<Probe> probes;
  probes.push_back(entry(programs.write_enter, location.write, "Write entry"));
  // Writes are captured at entry (see bpf/go_tls.bpf.c): no probes on Write's RETs.
  probes.push_back(entry(programs.read_enter, location.read, "Read entry"));
  for (uint64_t r : location.read.rets) probes.push_back({programs.ret, r, "Read return"});

  auto attach = [&](const Probe& p) {
    LIBBPF_OPTS(bpf_uprobe_opts, opts, .bpf_cookie = p.cookie);
    return bpf_program__attach_uprobe_opts(p.program, -1, path.c_str(), p.offset, &opts);
  };
  std::vector<bpf_link*> attached;
  for (const Probe& p : probes) {
    bpf_link* link = attach(p);
    if (!link) {
      error = std::string("attaching crypto/tls ") + p.what + ": " + strerror(errno);
      for (bpf_link* l : attached) bpf_link__destroy(l);
      return 0;
    }
    attached.push_back(link);
  }
  // Without the Close probe connections still work; they end when the process exits.
  if (location.has_close) {
    if (bpf_link* link = attach(entry(programs.close_enter, location.close, "Close entry")))
      attached.push_back(link);
    else
      error = std::string("crypto/tls Close not probed: ") + strerror(errno);
  }
  links.insert(links.end(), attached.begin(), attached.end());
  return int(attached.size());
}

}  // namespace agentprof::gotls
