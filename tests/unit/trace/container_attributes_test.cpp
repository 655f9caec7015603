#include <catch2/catch.hpp>

#include "trace/container_attributes.h"

using namespace agentprof;

TEST_CASE("container ids from cgroup v2 and v1 paths") {
  const std::string id(64, 'a');
  CHECK(parse_container_identity("0::/system.slice/docker-" + id + ".scope\n").container_id == id);
  CHECK(parse_container_identity("12:memory:/docker/" + id + "\n").container_id == id);
  auto k8s = parse_container_identity(
      "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b2c3d4e_5f60_7182_93a4_b5c6d7e8f901.slice/"
      "cri-containerd-" + id + ".scope\n");
  CHECK(k8s.container_id == id);
  CHECK(k8s.pod_uid == "1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901");
}

TEST_CASE("no container outside one, no partial matches") {
  CHECK(parse_container_identity("0::/user.slice/user-0.slice/session-1.scope\n").container_id.empty());
  CHECK(parse_container_identity("0::/\n").container_id.empty());
  CHECK(parse_container_identity("0::/x/" + std::string(65, 'b') + "\n").container_id.empty());
  CHECK(parse_container_identity("0::/x/" + std::string(63, 'c') + "\n").container_id.empty());
}
