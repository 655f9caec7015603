#pragma once
// Loaded ELF modules shared by every process that maps the same file: keyed by build id (the same
// libc in 100 containers is parsed once) and by file identity (dev, inode, size, mtime) so a second
// process mapping the same file does not even re-read its notes.
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <unordered_map>

#include "symbolizer/debug_file_locator.h"
#include "symbolizer/elf_module.h"

namespace agentprof::symbolizer {

struct ModuleCacheStats {
  uint64_t loads = 0;            // full symbol-table builds
  uint64_t identity_hits = 0;    // same file seen before
  uint64_t build_id_hits = 0;    // different file, same build id
  uint64_t failures = 0;         // not ELF, unreadable
  uint64_t evictions = 0;
};

class ModuleCache {
 public:
  explicit ModuleCache(DebugFileLocator locator = {}, size_t max_modules = 1024)
      : locator_(std::move(locator)), max_modules_(max_modules) {}

  // Module for the open file `fd` (not closed here). nullptr with `error` when it is not a usable ELF.
  std::shared_ptr<const ElfModule> get(int fd, const ElfModule::Origin& origin, std::string* error);

  size_t size() const { return by_identity_.size(); }
  const ModuleCacheStats& stats() const { return stats_; }
  const DebugFileLocator& locator() const { return locator_; }

 private:
  using Identity = std::tuple<dev_t, ino_t, off_t, int64_t>;
  void evict_unused();

  DebugFileLocator locator_;
  size_t max_modules_;
  std::map<Identity, std::shared_ptr<const ElfModule>> by_identity_;
  std::unordered_map<std::string, std::weak_ptr<const ElfModule>> by_build_id_;
  ModuleCacheStats stats_;
};

}  // namespace agentprof::symbolizer
