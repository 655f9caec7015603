// The merged call tree a flame graph draws: root "all" -> one node per process name -> frames,
// identical frames (line-less identity, see FrameTable) under the same parent merged into one
// node whose total is the sum of their samples. Children are sorted by name, as flame graphs are.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "exporters/flame/frame_table.h"
#include "userspace/profile/profile.h"

namespace agentprof::flame {

enum class FlameNodeKind : uint8_t { kRoot, kProcess, kFrame };

struct FlameNode {
  FlameNodeKind kind = FlameNodeKind::kFrame;
  uint32_t merged_frame = 0;   // FrameTable merged id (kFrame)
  uint32_t process = 0;        // index into FlameTree::process_names() (kProcess)
  uint32_t depth = 0;          // root 0, processes 1, outermost frames 2
  uint64_t total = 0;          // samples in this node and below
  uint64_t self = 0;           // samples whose leaf is this node
  uint64_t offset = 0;         // samples left of this node in the sorted layout (set by build)
  std::vector<uint32_t> children;
};

class FlameTree {
 public:
  // Builds the tree; `profile` must outlive it. Counts must already be checked (total_sample_count).
  explicit FlameTree(const Profile& profile);

  const std::vector<FlameNode>& nodes() const { return nodes_; }  // nodes()[0] is the root
  const FrameTable& frames() const { return frames_; }
  const std::vector<std::string>& process_names() const { return process_names_; }
  uint64_t total() const { return nodes_[0].total; }
  uint32_t max_depth() const { return max_depth_; }
  // The node's label: "all", the process name, or the frame's display name.
  std::string_view name(const FlameNode& node) const;

 private:
  void sort_and_lay_out();

  FrameTable frames_;
  std::vector<FlameNode> nodes_;
  std::vector<std::string> process_names_;
  uint32_t max_depth_ = 0;
};

}  // namespace agentprof::flame
