// speedscope's JSON file format (https://www.speedscope.app/file-format-schema.json): "sampled"
// profiles whose stacks index one shared frame table (one entry per distinct frame, with file and
// line; native frames without a source file show their module as the file).
// Weights are nanoseconds when the sampling period is known, else sample counts (unit "none").
#pragma once

#include <string>

#include "userspace/profile/profile.h"

namespace agentprof::flame {

struct SpeedscopeOptions {
  std::string name = "agentprof CPU profile";
  // true: one profile per process (pid), named "comm (pid N)"; false: one combined profile in
  // which each stack starts with a "comm (pid N)" frame.
  bool per_process = true;
};

bool render_speedscope(const Profile& profile, const SpeedscopeOptions& options, std::string& out,
                       std::string& error);

}  // namespace agentprof::flame
