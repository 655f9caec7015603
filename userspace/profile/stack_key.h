// The identity of one aggregated stack: a process and its exact frames. Samples with equal keys are
// counted together, when the sampler builds a window and when windows are merged.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "profile/profile.h"

namespace agentprof::profile {

// A byte string equal for two stacks exactly when pid and every frame field are equal.
std::string stack_key(uint32_t pid, const std::vector<Frame>& frames);

}  // namespace agentprof::profile
