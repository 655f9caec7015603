// Checks every writer runs before trusting a Profile's numbers, so an absurd count is reported
// instead of wrapping around into a plausible-looking wrong total.
#pragma once

#include <cstdint>
#include <string>

#include "userspace/profile/profile.h"

namespace agentprof::flame {

// Sum of all sample counts; false (with `error` set) when it exceeds 2^53, past which JSON and
// JavaScript readers (speedscope, the SVG's script) would silently round it.
bool total_sample_count(const Profile& profile, uint64_t& total, std::string& error);

// Nanoseconds one sample stands for: sample_period_ns, else 1e9 / frequency_hz, else 0 (unknown).
uint64_t effective_period_ns(const Profile& profile);

}  // namespace agentprof::flame
