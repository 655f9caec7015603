#include "attach/go/go_tls_probes.h"

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>

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
  };
  std::vector<Probe> probes;
  probes.push_back({programs.write_enter, location.write.entry, "Write entry"});
  // Writes are captured at entry (see bpf/go_tls.bpf.c): no probes on Write's RETs.
  probes.push_back({programs.read_enter, location.read.entry, "Read entry"});
  for (uint64_t r : location.read.rets) probes.push_back({programs.ret, r, "Read return"});

  std::vector<bpf_link*> attached;
  for (const Probe& p : probes) {
    bpf_link* link = bpf_program__attach_uprobe(p.program, false, -1, path.c_str(), p.offset);
    if (!link) {
      error = std::string("attaching crypto/tls ") + p.what + ": " + strerror(errno);
      for (bpf_link* l : attached) bpf_link__destroy(l);
      return 0;
    }
    attached.push_back(link);
  }
  // Without the Close probe connections still work; they end when the process exits.
  if (location.has_close) {
    if (bpf_link* link = bpf_program__attach_uprobe(programs.close_enter, false, -1, path.c_str(),
                                                    location.close.entry))
      attached.push_back(link);
    else
      error = std::string("crypto/tls Close not probed: ") + strerror(errno);
  }
  links.insert(links.end(), attached.begin(), attached.end());
  return int(attached.size());
}

}  // namespace agentprof::gotls
