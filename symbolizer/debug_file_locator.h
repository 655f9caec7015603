#pragma once
// Where separate debug files for a binary may live, in the order GDB and elfutils search them.
#include <string>
#include <vector>

namespace agentprof::symbolizer {

struct DebugFileLocator {
  // Global debug directories (GDB's debug-file-directory). Tests point this at a scratch tree.
  std::vector<std::string> debug_dirs{"/usr/lib/debug"};

  // <root><dir>/.build-id/<first two hex>/<rest>.debug for each debug dir, then the same on the host
  // when `root` (e.g. "/proc/42/root" for a container) is not empty.
  std::vector<std::string> by_build_id(const std::string& root, const std::string& build_id_hex) const;
  // For binary <bindir>/<file> (path inside the process's mount namespace) with .gnu_debuglink <name>:
  // <root><bindir>/<name>, <root><bindir>/.debug/<name>, <root><debug dir><bindir>/<name>, and the
  // debug-dir path on the host.
  std::vector<std::string> by_debug_link(const std::string& root, const std::string& binary_path,
                                         const std::string& link_name) const;
};

}  // namespace agentprof::symbolizer
