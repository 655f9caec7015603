// Bytes of one connection direction that arrived ahead of the next expected position, held
// (copied) until the bytes before them arrive. Segments never overlap: bytes already held are
// trimmed from later chunks and reported as duplicates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <utility>
#include <vector>

namespace agentprof {

class PendingSegments {
 public:
  // Bookkeeping memory (map node, vector header, allocator headers) charged per held segment on
  // top of its payload, so that a flood of tiny segments cannot hide behind a small byte count.
  static constexpr size_t kSegmentOverheadBytes = 96;

  struct InsertResult {
    uint64_t stored = 0;     // bytes copied into new segments
    uint64_t duplicate = 0;  // bytes already held, ignored
  };

  // Holds a copy of the parts of [pos, pos + bytes.size()) not held yet. The caller guarantees
  // that the range does not wrap past 2^64.
  InsertResult insert(uint64_t pos, uint64_t ts_ns, std::span<const uint8_t> bytes);

  // Drops every held byte below `pos` (they were delivered from another chunk); returns how many.
  uint64_t discard_before(uint64_t pos);

  // Removes, in position order, the segments that continue `pos` without a hole, passing each to
  // fn(ts_ns, bytes) after the bookkeeping is updated. Returns the position after the last one.
  template <typename Fn>
  uint64_t drain_contiguous(uint64_t pos, Fn&& fn);

  bool empty() const { return segments_.empty(); }
  size_t segment_count() const { return segments_.size(); }
  // Position and capture time of the lowest held segment. Only valid when !empty().
  uint64_t first_pos() const { return segments_.begin()->first; }
  uint64_t first_ts_ns() const { return segments_.begin()->second.ts_ns; }
  size_t payload_bytes() const { return payload_bytes_; }
  // Payload plus kSegmentOverheadBytes per segment: what the memory bounds are checked against.
  size_t charged_bytes() const { return payload_bytes_ + segments_.size() * kSegmentOverheadBytes; }

 private:
  struct Segment {
    uint64_t ts_ns = 0;
    std::vector<uint8_t> bytes;
  };
  using SegmentMap = std::map<uint64_t, Segment>;

  void store(uint64_t pos, uint64_t ts_ns, std::span<const uint8_t> bytes);

  SegmentMap segments_;  // keyed by start position
  size_t payload_bytes_ = 0;
};

template <typename Fn>
uint64_t PendingSegments::drain_contiguous(uint64_t pos, Fn&& fn) {
  while (!segments_.empty() && segments_.begin()->first == pos) {
    auto node = segments_.extract(segments_.begin());
    const std::vector<uint8_t>& bytes = node.mapped().bytes;
    payload_bytes_ -= bytes.size();
    pos += bytes.size();
    fn(node.mapped().ts_ns, std::span<const uint8_t>(bytes));
  }
  return pos;
}

}  // namespace agentprof
