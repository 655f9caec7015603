#include "exporters/flame/flame_tree.h"

#include <algorithm>
#include <unordered_map>

#include "exporters/flame/frame_names.h"

namespace agentprof::flame {

namespace {

FlameNode make_node(FlameNodeKind kind, uint32_t merged_frame, uint32_t process) {
  FlameNode node;
  node.kind = kind;
  node.merged_frame = merged_frame;
  node.process = process;
  return node;
}

}  // namespace

FlameTree::FlameTree(const Profile& profile) : frames_(profile) {
  nodes_.push_back(make_node(FlameNodeKind::kRoot, 0, 0));
  std::unordered_map<std::string, uint32_t> process_nodes;
  // (parent node << 32 | merged frame id) -> child node
  std::unordered_map<uint64_t, uint32_t> child_of;
  size_t frame_count = 0;
  for (const StackSample& sample : profile.samples) frame_count += sample.frames.size();
  // Upper bounds; real profiles share most prefixes, so cap what we reserve up front.
  child_of.reserve(std::min<size_t>(frame_count, size_t{1} << 22));
  nodes_.reserve(std::min<size_t>(frame_count + 1, size_t{1} << 22));

  auto add_child = [&](uint32_t parent, FlameNode node) {
    node.depth = nodes_[parent].depth + 1;
    max_depth_ = std::max(max_depth_, node.depth);
    const auto id = static_cast<uint32_t>(nodes_.size());
    nodes_.push_back(std::move(node));
    nodes_[parent].children.push_back(id);
    return id;
  };

  for (size_t s = 0; s < profile.samples.size(); ++s) {
    const StackSample& sample = profile.samples[s];
    if (sample.count == 0) continue;
    std::string pname = process_name(sample);
    auto pit = process_nodes.find(pname);
    uint32_t node;
    if (pit == process_nodes.end()) {
      const auto pindex = static_cast<uint32_t>(process_names_.size());
      process_names_.push_back(pname);
      node = add_child(0, make_node(FlameNodeKind::kProcess, 0, pindex));
      process_nodes.emplace(std::move(pname), node);
    } else {
      node = pit->second;
    }
    nodes_[0].total += sample.count;
    nodes_[node].total += sample.count;
    for (const uint32_t exact : frames_.exact_ids(s)) {
      const uint32_t merged = frames_.merged_id(exact);
      const uint64_t key = (uint64_t{node} << 32) | merged;
      auto cit = child_of.find(key);
      if (cit == child_of.end()) {
        const uint32_t child = add_child(node, make_node(FlameNodeKind::kFrame, merged, 0));
        cit = child_of.emplace(key, child).first;
      }
      node = cit->second;
      nodes_[node].total += sample.count;
    }
    nodes_[node].self += sample.count;
  }
  sort_and_lay_out();
}

std::string_view FlameTree::name(const FlameNode& node) const {
  switch (node.kind) {
    case FlameNodeKind::kRoot: return "all";
    case FlameNodeKind::kProcess: return process_names_[node.process];
    case FlameNodeKind::kFrame: break;
  }
  return display_name(frames_.merged_frame(node.merged_frame));
}

void FlameTree::sort_and_lay_out() {
  // Children are created after their parent, so walking ids in order visits parents first.
  for (FlameNode& node : nodes_) {
    std::sort(node.children.begin(), node.children.end(), [&](uint32_t a, uint32_t b) {
      const std::string_view na = name(nodes_[a]), nb = name(nodes_[b]);
      if (na != nb) return na < nb;
      return a < b;  // same name, different module or kind: keep creation order
    });
  }
  for (FlameNode& node : nodes_) {
    uint64_t offset = node.offset;
    for (const uint32_t child : node.children) {
      nodes_[child].offset = offset;
      offset += nodes_[child].total;
    }
  }
}

}  // namespace agentprof::flame
