#include "attach/proc_files.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace agentprof {

std::vector<uint32_t> list_pids() {
  std::vector<uint32_t> pids;
  DIR* d = opendir("/proc");
  if (!d) return pids;
  while (dirent* e = readdir(d)) {
    char* end = nullptr;
    unsigned long v = strtoul(e->d_name, &end, 10);
    if (end && *end == 0 && v > 0) pids.push_back(uint32_t(v));
  }
  closedir(d);
  return pids;
}

std::vector<MappedFile> mapped_files(uint32_t pid) {
  std::vector<MappedFile> out;
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  if (!maps) return out;
  std::map<std::string, size_t> index;
  std::string line;
  while (std::getline(maps, line)) {
    // address perms offset dev inode pathname
    std::istringstream in(line);
    std::string addr, perms, offset, dev, path;
    uint64_t inode = 0;
    in >> addr >> perms >> offset >> dev >> inode;
    std::getline(in, path);
    size_t start = path.find_first_not_of(' ');
    if (start == std::string::npos || inode == 0) continue;
    path = path.substr(start);
    if (path.empty() || path[0] != '/') continue;
    bool exec = perms.size() > 2 && perms[2] == 'x';
    auto it = index.find(path);
    if (it == index.end()) {
      index[path] = out.size();
      MappedFile f;
      f.path = strip_deleted_suffix(path, &f.deleted);
      f.inode = inode;
      unsigned major = 0, minor = 0;
      if (std::sscanf(dev.c_str(), "%x:%x", &major, &minor) == 2) {
        f.dev_major = major;
        f.dev_minor = minor;
      }
      f.executable = exec;
      out.push_back(f);
    } else if (exec) {
      out[it->second].executable = true;
    }
  }
  return out;
}

std::string strip_deleted_suffix(const std::string& path, bool* deleted) {
  static const std::string kSuffix = " (deleted)";
  bool was = path.size() > kSuffix.size() && path.compare(path.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0;
  if (deleted) *deleted = was;
  return was ? path.substr(0, path.size() - kSuffix.size()) : path;
}

std::string host_path(uint32_t pid, const std::string& path) {
  return "/proc/" + std::to_string(pid) + "/root" + path;
}

std::optional<std::string> read_comm(uint32_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/comm");
  std::string comm;
  if (!f || !std::getline(f, comm)) return std::nullopt;
  return comm;
}

std::optional<uint32_t> read_ppid(uint32_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!f || !std::getline(f, stat)) return std::nullopt;
  // comm may contain spaces and parentheses: fields resume after the last ')'.
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream in(stat.substr(close + 1));
  std::string state;
  uint32_t ppid = 0;
  in >> state >> ppid;
  if (!in) return std::nullopt;
  return ppid;
}

std::vector<uint32_t> descendants_of(const std::vector<uint32_t>& roots) {
  std::map<uint32_t, std::vector<uint32_t>> children;
  for (uint32_t pid : list_pids())
    if (auto pp = read_ppid(pid)) children[*pp].push_back(pid);
  std::vector<uint32_t> out;
  std::set<uint32_t> seen;
  std::vector<uint32_t> todo(roots.begin(), roots.end());
  while (!todo.empty()) {
    uint32_t p = todo.back();
    todo.pop_back();
    if (!seen.insert(p).second) continue;
    out.push_back(p);
    for (uint32_t c : children[p]) todo.push_back(c);
  }
  return out;
}

namespace {

struct TcpEntry {
  uint16_t local_port, remote_port;
  bool listening;
};

void read_tcp_table(const std::string& file, std::map<uint64_t, TcpEntry>& by_inode) {
  std::ifstream f(file);
  std::string line;
  std::getline(f, line);  // header
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string sl, local, remote, state, queues, timer, retr;
    uint64_t uid = 0, timeout = 0, inode = 0;
    in >> sl >> local >> remote >> state >> queues >> timer >> retr >> uid >> timeout >> inode;
    if (!in || inode == 0) continue;
    auto port_of = [](const std::string& a) -> uint16_t {
      size_t colon = a.rfind(':');
      return colon == std::string::npos ? 0 : uint16_t(strtoul(a.c_str() + colon + 1, nullptr, 16));
    };
    by_inode[inode] = {port_of(local), port_of(remote), state == "0A"};
  }
}

}  // namespace

std::vector<OpenTcpSocket> tcp_sockets(uint32_t pid) {
  std::vector<OpenTcpSocket> out;
  std::string base = "/proc/" + std::to_string(pid);
  std::map<uint64_t, TcpEntry> by_inode;
  read_tcp_table(base + "/net/tcp", by_inode);
  read_tcp_table(base + "/net/tcp6", by_inode);
  DIR* d = opendir((base + "/fd").c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    char target[128];
    std::string link = base + "/fd/" + e->d_name;
    ssize_t n = readlink(link.c_str(), target, sizeof(target) - 1);
    if (n <= 0) continue;
    target[n] = 0;
    unsigned long long inode = 0;
    if (sscanf(target, "socket:[%llu]", &inode) != 1) continue;
    auto it = by_inode.find(inode);
    if (it == by_inode.end()) continue;
    out.push_back({atoi(e->d_name), it->second.local_port, it->second.remote_port,
                   it->second.listening});
  }
  closedir(d);
  return out;
}

}  // namespace agentprof
