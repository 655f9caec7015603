#include "capture/held_table.h"

#include <bpf/bpf.h>

#include "events.h"

namespace agentprof {

std::vector<HeldEntry> BpfHeldTable::entries() const {
  std::vector<HeldEntry> out;
  uint32_t key = 0, next = 0;
  const void* prev = nullptr;
  // Bounded by the map's size; entries deleted meanwhile just end the walk early or restart it once.
  for (int guard = 0; guard < (1 << 20) && bpf_map_get_next_key(fd_, prev, &next) == 0; ++guard) {
    ap_hold value{};
    if (bpf_map_lookup_elem(fd_, &next, &value) == 0) out.push_back({next, value.since_ns});
    key = next;
    prev = &key;
  }
  return out;
}

std::optional<HeldEntry> BpfHeldTable::claim(uint32_t tgid) {
  ap_hold value{};
  if (bpf_map_lookup_and_delete_elem(fd_, &tgid, &value) != 0) return std::nullopt;
  return HeldEntry{tgid, value.since_ns};
}

}  // namespace agentprof
