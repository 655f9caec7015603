#include "symbolizer/module_cache.h"

#include <sys/stat.h>

#include <cstring>

namespace agentprof::symbolizer {

std::shared_ptr<const ElfModule> ModuleCache::get(int fd, const ElfModule::Origin& origin, std::string* error) {
  struct stat st{};
  if (fstat(fd, &st) != 0) {
    ++stats_.failures;
    if (error) *error = std::string("fstat: ") + std::strerror(errno);
    return nullptr;
  }
  Identity identity{st.st_dev, st.st_ino, st.st_size,
                    static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
  if (auto it = by_identity_.find(identity); it != by_identity_.end()) {
    ++stats_.identity_hits;
    return it->second;
  }
  auto image = ElfImage::open_fd(fd, error);
  if (!image) {
    ++stats_.failures;
    return nullptr;
  }
  std::shared_ptr<const ElfModule> module;
  const std::string build_id = image->build_id();
  if (!build_id.empty()) {
    if (auto it = by_build_id_.find(build_id); it != by_build_id_.end()) module = it->second.lock();
  }
  if (module) {
    ++stats_.build_id_hits;
  } else {
    module = ElfModule::load(std::move(image), origin, locator_);
    ++stats_.loads;
    if (!build_id.empty()) by_build_id_[build_id] = module;
  }
  if (by_identity_.size() >= max_modules_) evict_unused();
  by_identity_.emplace(identity, module);
  return module;
}

void ModuleCache::evict_unused() {
  // Modules still referenced by a process's mappings stay alive through those references anyway;
  // dropping only unreferenced ones frees memory without forcing reloads of live modules.
  for (auto it = by_identity_.begin(); it != by_identity_.end();) {
    if (it->second.use_count() == 1) {
      it = by_identity_.erase(it);
      ++stats_.evictions;
    } else {
      ++it;
    }
  }
  for (auto it = by_build_id_.begin(); it != by_build_id_.end();) {
    it = it->second.expired() ? by_build_id_.erase(it) : std::next(it);
  }
}

}  // namespace agentprof::symbolizer
