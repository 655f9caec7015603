// Adds the container a span's process runs in (container.id, and k8s.pod.uid under Kubernetes),
// read from /proc/PID/cgroup, so spans from a DaemonSet can be told apart per container and pod.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "trace/span_sink.h"

namespace agentprof {

struct ContainerIdentity {
  std::string container_id;  // 64 hex digits (docker, containerd, cri-o), empty if none
  std::string pod_uid;       // Kubernetes pod UID, empty if none
};

// Parses the text of /proc/PID/cgroup. Exposed for tests.
ContainerIdentity parse_container_identity(const std::string& cgroup_text);

// Reads a process's identity while it is alive — when one of its connections starts (see
// ProcessIdentityTap) — because a span may be finished after the process exited (the last call of
// a one-shot agent), when /proc/PID is gone. Each identity is kept with the process's start time,
// so a pid reused by a later process (days into a DaemonSet's life) is read afresh, never inherited.
class ContainerAttributes : public SpanSink {
 public:
  explicit ContainerAttributes(SpanSink& next, std::string proc_root = "/proc")
      : next_(next), proc_root_(std::move(proc_root)) {}
  // A connection of `pid` started: (re)read its identity unless known for this process.
  void on_connection(uint32_t pid);
  void on_span(const Span& span) override;

 private:
  struct Known {
    ContainerIdentity identity;
    uint64_t start_time = 0;  // /proc/PID/stat field 22; 0 when unreadable
  };
  const Known& read(uint32_t pid, uint64_t start_time);
  uint64_t start_time(uint32_t pid) const;
  SpanSink& next_;
  std::string proc_root_;
  std::unordered_map<uint32_t, Known> cache_;  // bounded: cleared when large
};

}  // namespace agentprof
