#include "exporters/flame/frame_table.h"

#include <functional>
#include <string_view>
#include <unordered_map>

namespace agentprof::flame {
namespace {

size_t mix(size_t seed, size_t value) {
  return seed ^ (value + 0x9e3779b97f4a7c15ull + (seed << 6) + (seed >> 2));
}

size_t hash_without_line(const Frame& f) {
  std::hash<std::string_view> h;
  size_t seed = h(f.function);
  seed = mix(seed, h(f.module));
  seed = mix(seed, h(f.file));
  return mix(seed, static_cast<size_t>(f.kind));
}

struct ExactHash {
  size_t operator()(const Frame* f) const { return mix(hash_without_line(*f), f->line); }
};
struct ExactEqual {
  bool operator()(const Frame* a, const Frame* b) const { return *a == *b; }
};
struct MergedHash {
  size_t operator()(const Frame* f) const { return hash_without_line(*f); }
};
struct MergedEqual {
  bool operator()(const Frame* a, const Frame* b) const {
    return a->kind == b->kind && a->function == b->function && a->module == b->module &&
           a->file == b->file;
  }
};

}  // namespace

FrameTable::FrameTable(const Profile& profile) {
  std::unordered_map<const Frame*, uint32_t, ExactHash, ExactEqual> exact;
  std::unordered_map<const Frame*, uint32_t, MergedHash, MergedEqual> merged;
  sample_ids_.resize(profile.samples.size());
  for (size_t s = 0; s < profile.samples.size(); ++s) {
    const auto& frames = profile.samples[s].frames;
    auto& ids = sample_ids_[s];
    ids.reserve(frames.size());
    for (const Frame& frame : frames) {
      auto [it, inserted] = exact.try_emplace(&frame, static_cast<uint32_t>(frames_.size()));
      if (inserted) {
        frames_.push_back(&frame);
        auto [mit, minserted] =
            merged.try_emplace(&frame, static_cast<uint32_t>(merged_representative_.size()));
        if (minserted) merged_representative_.push_back(&frame);
        merged_of_exact_.push_back(mit->second);
      }
      ids.push_back(it->second);
    }
  }
  merged_count_ = merged_representative_.size();
}

}  // namespace agentprof::flame
