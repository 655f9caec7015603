// Interning of the frames of a Profile: each distinct frame gets a dense id, so writers emit
// shared frame / location tables instead of repeating names per sample. Two identities:
//  - exact: every field of Frame (pprof locations, speedscope frames keep line numbers);
//  - merged: the same minus the line number (flame graph boxes: one box per function per parent,
//    whatever line in it was executing).
// The table points into the Profile it was built from, which must outlive it.
#pragma once

#include <cstdint>
#include <vector>

#include "userspace/profile/profile.h"

namespace agentprof::flame {

class FrameTable {
 public:
  explicit FrameTable(const Profile& profile);

  // Distinct frames (exact identity), in order of first appearance.
  const std::vector<const Frame*>& frames() const { return frames_; }
  // exact_ids(s)[i] is the id of profile.samples[s].frames[i].
  const std::vector<uint32_t>& exact_ids(size_t sample_index) const { return sample_ids_[sample_index]; }
  // Id of exact frame `exact_id` under the line-less identity, and how many such ids exist.
  uint32_t merged_id(uint32_t exact_id) const { return merged_of_exact_[exact_id]; }
  size_t merged_count() const { return merged_count_; }
  // A representative frame of a merged id.
  const Frame& merged_frame(uint32_t merged_id) const { return *merged_representative_[merged_id]; }

 private:
  std::vector<const Frame*> frames_;
  std::vector<std::vector<uint32_t>> sample_ids_;
  std::vector<uint32_t> merged_of_exact_;
  std::vector<const Frame*> merged_representative_;
  size_t merged_count_ = 0;
};

}  // namespace agentprof::flame
