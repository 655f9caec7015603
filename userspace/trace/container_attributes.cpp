#include "trace/container_attributes.h"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace agentprof {

namespace {

bool is_hex64_at(const std::string& s, size_t i) {
  if (i + 64 > s.size()) return false;
  for (size_t k = i; k < i + 64; k++)
    if (!isxdigit(static_cast<unsigned char>(s[k])) || isupper(static_cast<unsigned char>(s[k]))) return false;
  return (i + 64 == s.size() || !isxdigit(static_cast<unsigned char>(s[i + 64]))) &&
         (i == 0 || !isxdigit(static_cast<unsigned char>(s[i - 1])));
}

// Pod UIDs appear as "pod<uid>" with '-' or '_' between groups (systemd escapes '-' as '_').
std::string pod_uid_in(const std::string& path) {
  size_t p = path.find("pod");
  while (p != std::string::npos) {
    std::string uid;
    size_t i = p + 3;
    while (i < path.size() && (isxdigit(static_cast<unsigned char>(path[i])) || path[i] == '-' || path[i] == '_'))
      uid.push_back(path[i] == '_' ? '-' : path[i]), i++;
    if (uid.size() == 36 && uid[8] == '-' && uid[13] == '-' && uid[18] == '-' && uid[23] == '-') return uid;
    p = path.find("pod", p + 3);
  }
  return "";
}

}  // namespace

ContainerIdentity parse_container_identity(const std::string& text) {
  ContainerIdentity id;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    size_t colon = line.find(':', line.find(':') + 1);
    std::string path = colon == std::string::npos ? line : line.substr(colon + 1);
    // The last 64-hex component names the container (docker-<id>.scope, cri-containerd-<id>, <id>).
    for (size_t i = path.size(); i-- > 0;) {
      if (is_hex64_at(path, i)) {
        id.container_id = path.substr(i, 64);
        break;
      }
    }
    if (id.pod_uid.empty()) id.pod_uid = pod_uid_in(path);
    if (!id.container_id.empty()) break;
  }
  return id;
}

uint64_t ContainerAttributes::start_time(uint32_t pid) const {
  // getline, not istreambuf_iterator: a process exiting between open and read makes the read fail
  // with ESRCH, which the iterator turns into an exception and getline into a failed stream.
  std::ifstream f(proc_root_ + "/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(f, text)) return 0;
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so count from the last ')'.
  size_t close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; i++)
    if (i == 22) return std::strtoull(field.c_str(), nullptr, 10);
  return 0;
}

const ContainerAttributes::Known& ContainerAttributes::read(uint32_t pid, uint64_t start) {
  if (cache_.size() > 65536) cache_.clear();
  std::ifstream f(proc_root_ + "/" + std::to_string(pid) + "/cgroup");
  std::stringstream text;
  text << f.rdbuf();
  Known& k = cache_[pid];
  k.identity = parse_container_identity(text.str());
  k.start_time = start;
  return k;
}

void ContainerAttributes::on_connection(uint32_t pid) {
  if (pid == 0) return;
  uint64_t start = start_time(pid);
  if (start == 0) return;  // already gone: keep what was read while it lived
  auto it = cache_.find(pid);
  if (it == cache_.end() || it->second.start_time != start) read(pid, start);
}

void ContainerAttributes::on_span(const Span& span) {
  const int64_t* pid = span.get<int64_t>("process.pid");
  if (!pid || *pid <= 0) return next_.on_span(span);
  // Normally read at the connection's start; a span whose process was never seen (or whose
  // entry was dropped to stay bounded) is read now, as well as can be.
  auto it = cache_.find(uint32_t(*pid));
  const ContainerIdentity& id =
      (it != cache_.end() ? it->second : read(uint32_t(*pid), start_time(uint32_t(*pid)))).identity;
  if (id.container_id.empty() && id.pod_uid.empty()) return next_.on_span(span);
  Span enriched = span;
  if (!id.container_id.empty()) enriched.attributes.push_back({"container.id", id.container_id});
  if (!id.pod_uid.empty()) enriched.attributes.push_back({"k8s.pod.uid", id.pod_uid});
  next_.on_span(enriched);
}

}  // namespace agentprof
