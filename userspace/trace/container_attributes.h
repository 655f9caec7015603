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

class ContainerAttributes : public SpanSink {
 public:
  explicit ContainerAttributes(SpanSink& next, std::string proc_root = "/proc")
      : next_(next), proc_root_(std::move(proc_root)) {}
  void on_span(const Span& span) override;

 private:
  const ContainerIdentity& identity(uint32_t pid);
  SpanSink& next_;
  std::string proc_root_;
  std::unordered_map<uint32_t, ContainerIdentity> cache_;  // bounded: cleared when large
};

}  // namespace agentprof
