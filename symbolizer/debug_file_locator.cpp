#include "symbolizer/debug_file_locator.h"

namespace agentprof::symbolizer {

std::vector<std::string> DebugFileLocator::by_build_id(const std::string& root,
                                                       const std::string& build_id_hex) const {
  std::vector<std::string> out;
  if (build_id_hex.size() < 3) return out;
  std::string rel = "/.build-id/" + build_id_hex.substr(0, 2) + "/" + build_id_hex.substr(2) + ".debug";
  for (const std::string& dir : debug_dirs) out.push_back(root + dir + rel);
  if (!root.empty()) {
    for (const std::string& dir : debug_dirs) out.push_back(dir + rel);
  }
  return out;
}

std::vector<std::string> DebugFileLocator::by_debug_link(const std::string& root, const std::string& binary_path,
                                                         const std::string& link_name) const {
  std::vector<std::string> out;
  if (link_name.empty()) return out;
  auto slash = binary_path.rfind('/');
  std::string dir = slash == std::string::npos ? std::string() : binary_path.substr(0, slash);
  std::string self = slash == std::string::npos ? binary_path : binary_path.substr(slash + 1);
  // A debug link naming the binary itself would just reload the stripped file.
  if (link_name != self) out.push_back(root + dir + "/" + link_name);
  out.push_back(root + dir + "/.debug/" + link_name);
  for (const std::string& debug_dir : debug_dirs) out.push_back(root + debug_dir + dir + "/" + link_name);
  if (!root.empty()) {
    for (const std::string& debug_dir : debug_dirs) out.push_back(debug_dir + dir + "/" + link_name);
  }
  return out;
}

}  // namespace agentprof::symbolizer
