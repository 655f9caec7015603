#include "profile/profile_merge.h"

#include <algorithm>
#include <unordered_map>

#include "profile/stack_key.h"

namespace agentprof::profile {

Profile merge_profiles(const std::vector<std::shared_ptr<const Profile>>& windows, const std::set<uint32_t>& pids) {
  Profile out;
  std::unordered_map<std::string, size_t> index;
  uint64_t end_ns = 0;
  bool first = true;
  for (const auto& w : windows) {
    if (!w) continue;
    if (first) {
      out.frequency_hz = w->frequency_hz;
      out.sample_period_ns = w->sample_period_ns;
      out.start_unix_ns = w->start_unix_ns;
      first = false;
    }
    out.start_unix_ns = std::min(out.start_unix_ns, w->start_unix_ns);
    end_ns = std::max(end_ns, w->start_unix_ns + w->duration_ns);
    out.lost_samples += w->lost_samples;
    for (const StackSample& s : w->samples) {
      if (!pids.empty() && !pids.count(s.pid)) continue;
      auto [it, fresh] = index.emplace(stack_key(s.pid, s.frames), out.samples.size());
      if (fresh) {
        StackSample copy = s;
        copy.count = 0;
        out.samples.push_back(std::move(copy));
      }
      out.samples[it->second].count += s.count;
    }
  }
  if (!first) out.duration_ns = end_ns - out.start_unix_ns;
  return out;
}

}  // namespace agentprof::profile
