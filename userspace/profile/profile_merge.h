// Merging CPU profile windows (continuous profiling keeps one Profile per window): equal stacks of
// the same process are summed, the time range covers every window.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <vector>

#include "profile/profile.h"

namespace agentprof::profile {

// `windows` share one sampling frequency (the first one's is used). `pids`: keep only these
// processes' samples; empty keeps all.
Profile merge_profiles(const std::vector<std::shared_ptr<const Profile>>& windows,
                       const std::set<uint32_t>& pids = {});

}  // namespace agentprof::profile
