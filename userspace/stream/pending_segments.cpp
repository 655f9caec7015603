#include "stream/pending_segments.h"

#include <algorithm>
#include <iterator>

namespace agentprof {

void PendingSegments::store(uint64_t pos, uint64_t ts_ns, std::span<const uint8_t> bytes) {
  Segment segment;
  segment.ts_ns = ts_ns;
  segment.bytes.assign(bytes.begin(), bytes.end());
  segments_.emplace(pos, std::move(segment));
  payload_bytes_ += bytes.size();
}

PendingSegments::InsertResult PendingSegments::insert(uint64_t pos, uint64_t ts_ns,
                                                      std::span<const uint8_t> bytes) {
  InsertResult result;
  const uint64_t end = pos + bytes.size();
  uint64_t cur = pos;

  // A segment starting before `pos` may already cover its beginning.
  auto it = segments_.upper_bound(cur);
  if (it != segments_.begin()) {
    auto prev = std::prev(it);
    const uint64_t prev_end = prev->first + prev->second.bytes.size();
    if (prev_end > cur) {
      const uint64_t covered_end = std::min(prev_end, end);
      result.duplicate += covered_end - cur;
      cur = covered_end;
    }
  }

  // Walk the following segments, storing the free stretches between them.
  while (cur < end) {
    const uint64_t free_end = (it == segments_.end()) ? end : std::min(it->first, end);
    if (free_end > cur) {
      store(cur, ts_ns, bytes.subspan(cur - pos, free_end - cur));
      result.stored += free_end - cur;
      cur = free_end;
    }
    if (cur < end && it != segments_.end()) {
      const uint64_t held_end = it->first + it->second.bytes.size();
      const uint64_t covered_end = std::min(held_end, end);
      result.duplicate += covered_end - cur;
      cur = covered_end;
      ++it;
    }
  }
  return result;
}

uint64_t PendingSegments::discard_before(uint64_t pos) {
  uint64_t discarded = 0;
  while (!segments_.empty() && segments_.begin()->first < pos) {
    auto first = segments_.begin();
    std::vector<uint8_t>& bytes = first->second.bytes;
    const uint64_t start = first->first;
    const uint64_t seg_end = start + bytes.size();
    if (seg_end <= pos) {
      discarded += bytes.size();
      payload_bytes_ -= bytes.size();
      segments_.erase(first);
      continue;
    }
    // Partly delivered: keep the tail, re-keyed at `pos` (segments do not overlap, so this
    // is the last one below `pos`).
    const size_t cut = size_t(pos - start);
    auto node = segments_.extract(first);
    node.mapped().bytes.erase(node.mapped().bytes.begin(), node.mapped().bytes.begin() + cut);
    node.key() = pos;
    segments_.insert(std::move(node));
    discarded += cut;
    payload_bytes_ -= cut;
    break;
  }
  return discarded;
}

}  // namespace agentprof
