// Attaches the go_tls BPF programs to one Go executable located by locate_go_tls(): an entry uprobe
// on (*Conn).Write and (*Conn).Read, a uprobe on each of their RET instructions, and one on the
// entry of (*Conn).Close. Uprobes are per file, so every process running it is covered.
#pragma once

#include <string>
#include <vector>

#include "attach/go/go_tls_locator.h"
#include "capture/bpf_loader.h"

struct bpf_link;

namespace agentprof::gotls {

// Returns the number of probes attached and appends their links to `links` (the caller destroys
// them). All-or-nothing: if any Read/Write probe fails, the ones attached here are destroyed, 0 is
// returned and `error` says why (a Write without its returns would capture nothing anyway).
int attach_go_tls(const std::string& path, const GoTlsLocation& location, const GoTlsPrograms& programs,
                  std::vector<bpf_link*>& links, std::string& error);

}  // namespace agentprof::gotls
