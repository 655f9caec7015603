#include "exporters/flame/profile_checks.h"

namespace agentprof::flame {

// Largest integer a double (JSON readers, JavaScript) holds exactly; also far below int64's limit.
constexpr uint64_t kMaxExactCount = uint64_t{1} << 53;

bool total_sample_count(const Profile& profile, uint64_t& total, std::string& error) {
  total = 0;
  for (const StackSample& sample : profile.samples) {
    if (sample.count > kMaxExactCount || total > kMaxExactCount - sample.count) {
      error = "profile sample counts sum past 2^53; refusing to write rounded numbers";
      return false;
    }
    total += sample.count;
  }
  return true;
}

uint64_t effective_period_ns(const Profile& profile) {
  if (profile.sample_period_ns != 0) return profile.sample_period_ns;
  if (profile.frequency_hz != 0) return 1'000'000'000ull / profile.frequency_hz;
  return 0;
}

}  // namespace agentprof::flame
