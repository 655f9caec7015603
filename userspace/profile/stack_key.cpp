#include "profile/stack_key.h"

namespace agentprof::profile {

std::string stack_key(uint32_t pid, const std::vector<Frame>& frames) {
  // Separators are ASCII control characters, which symbol names and paths do not contain.
  std::string key = std::to_string(pid);
  key += '\x1d';
  for (const Frame& f : frames) {
    key += f.function;
    key += '\x1f';
    key += f.module;
    key += '\x1f';
    key += f.file;
    key += '\x1f';
    key += std::to_string(f.line);
    key += char('0' + int(f.kind));
    key += '\x1e';
  }
  return key;
}

}  // namespace agentprof::profile
