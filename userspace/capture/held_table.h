// The kernel's list of the processes it stopped for agentprof (bpf/proc.bpf.c, held_tgids): who and
// since when. Taking an entry out is the claim to resume that process, so of the paths that may end
// a hold (after the examination, the watchdog, exit) exactly one does, and counts it.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace agentprof {

struct HeldEntry {
  uint32_t tgid = 0;
  uint64_t since_ns = 0;  // CLOCK_MONOTONIC
};

class HeldTable {
 public:
  virtual ~HeldTable() = default;
  virtual std::vector<HeldEntry> entries() const = 0;
  // Removes and returns `tgid`'s entry; nullopt when there is none (never held, already claimed, or
  // the process exited).
  virtual std::optional<HeldEntry> claim(uint32_t tgid) = 0;
};

// Over the BPF map's file descriptor (not owned). Thread-safe: every operation is one syscall.
class BpfHeldTable final : public HeldTable {
 public:
  explicit BpfHeldTable(int map_fd) : fd_(map_fd) {}
  std::vector<HeldEntry> entries() const override;
  std::optional<HeldEntry> claim(uint32_t tgid) override;

 private:
  int fd_;
};

}  // namespace agentprof
