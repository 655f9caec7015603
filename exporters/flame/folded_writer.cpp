#include "exporters/flame/folded_writer.h"

#include <map>

#include "exporters/flame/frame_names.h"
#include "exporters/flame/frame_table.h"
#include "exporters/flame/profile_checks.h"

namespace agentprof::flame {

bool render_folded(const Profile& profile, std::string& out, std::string& error) {
  out.clear();
  uint64_t total = 0;
  if (!total_sample_count(profile, total, error)) return false;

  // Name each distinct frame once, not once per occurrence.
  const FrameTable table(profile);
  std::vector<std::string> names;
  names.reserve(table.frames().size());
  for (const Frame* frame : table.frames()) names.push_back(folded_frame_name(*frame));

  std::map<std::string, uint64_t> stacks;  // sorted output, merged duplicates
  std::string line;
  for (size_t s = 0; s < profile.samples.size(); ++s) {
    const StackSample& sample = profile.samples[s];
    if (sample.count == 0) continue;
    line = folded_process_name(sample);
    for (const uint32_t id : table.exact_ids(s)) {
      line += ';';
      line += names[id];
    }
    stacks[line] += sample.count;  // cannot overflow: the total was checked
  }
  for (const auto& [stack, count] : stacks) {
    out += stack;
    out += ' ';
    out += std::to_string(count);
    out += '\n';
  }
  return true;
}

}  // namespace agentprof::flame
