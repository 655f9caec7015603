#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

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

namespace {

struct Collected : SpanSink {
  std::vector<Span> spans;
  void on_span(const Span& s) override { spans.push_back(s); }
};

// A fake /proc/PID: a stat line whose comm holds spaces and parentheses (field 22 = start time)
// and a cgroup naming the container.
void fake_process(const std::string& root, uint32_t pid, uint64_t start_time, const std::string& container) {
  const std::string dir = root + "/" + std::to_string(pid);
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/stat") << pid << " (odd (comm) x) S 1 1 1 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
                               << start_time << " 1000000 300 18446744073709551615\n";
  std::ofstream(dir + "/cgroup") << "0::/system.slice/docker-" << container << ".scope\n";
}

const std::string* container_of(const Span& s) { return s.get<std::string>("container.id"); }

Span span_of(uint32_t pid) {
  Span s;
  s.attributes.push_back({"process.pid", int64_t(pid)});
  return s;
}

}  // namespace

TEST_CASE("container identity is read at the connection's start and survives the process") {
  const std::string root = std::filesystem::temp_directory_path() / ("agentprof-proc-" + std::to_string(getpid()));
  std::filesystem::remove_all(root);
  const std::string a(64, 'a'), b(64, 'b');
  Collected out;
  ContainerAttributes containers(out, root);

  fake_process(root, 4242, 1000, a);
  containers.on_connection(4242);
  std::filesystem::remove_all(root + "/4242");  // the one-shot agent exited before its span ended
  containers.on_span(span_of(4242));
  REQUIRE(out.spans.size() == 1);
  REQUIRE(container_of(out.spans[0]));
  CHECK(*container_of(out.spans[0]) == a);

  // The pid is reused by a process in another container: a different start time, read afresh.
  fake_process(root, 4242, 2000, b);
  containers.on_connection(4242);
  containers.on_span(span_of(4242));
  REQUIRE(container_of(out.spans[1]));
  CHECK(*container_of(out.spans[1]) == b);

  // A span of a process never seen at a connection start is read at span time; none when gone.
  fake_process(root, 7, 50, a);
  containers.on_span(span_of(7));
  REQUIRE(container_of(out.spans[2]));
  CHECK(*container_of(out.spans[2]) == a);
  containers.on_span(span_of(9999));
  CHECK_FALSE(container_of(out.spans[3]));
  std::filesystem::remove_all(root);
}
