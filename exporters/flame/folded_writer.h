// Brendan Gregg's folded-stack format: one line per distinct stack, "comm;root;...;leaf count",
// lines sorted, identical stacks (after naming, see frame_names.h) summed. Input for
// flamegraph.pl, inferno, speedscope and most flame graph tools.
#pragma once

#include <string>

#include "userspace/profile/profile.h"

namespace agentprof::flame {

// False (with `error`) when counts overflow; `out` is then left empty.
bool render_folded(const Profile& profile, std::string& out, std::string& error);

}  // namespace agentprof::flame
