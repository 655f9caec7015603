// Reading what /proc says about processes: their mapped files, executable, root and sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace agentprof {

struct MappedFile {
  std::string path;  // as the process sees it (inside its mount namespace), without " (deleted)"
  uint64_t inode = 0;
  uint32_t dev_major = 0, dev_minor = 0;  // the device /proc/PID/maps shows
  bool executable = false;
  // Unlinked since it was mapped (maps says " (deleted)"): the path names another file, or none.
  bool deleted = false;
};

// The " (deleted)" suffix the kernel appends to unlinked files in maps and /proc/PID/exe, removed;
// `deleted` (when given) says whether it was there.
std::string strip_deleted_suffix(const std::string& path, bool* deleted = nullptr);

std::vector<uint32_t> list_pids();
// Files mapped by `pid`, deduplicated by path. Empty if the process is gone or unreadable.
std::vector<MappedFile> mapped_files(uint32_t pid);
// `path` as seen by `pid`, reachable from agentprof's namespace (through /proc/PID/root).
std::string host_path(uint32_t pid, const std::string& path);
std::optional<std::string> read_comm(uint32_t pid);
std::optional<uint32_t> read_ppid(uint32_t pid);
// Every pid whose ancestry includes one of `roots` (roots included).
std::vector<uint32_t> descendants_of(const std::vector<uint32_t>& roots);

struct OpenTcpSocket {
  int fd = -1;
  uint16_t local_port = 0;
  uint16_t remote_port = 0;
  bool listening = false;
};
// Established TCP sockets of `pid` (from /proc/PID/fd and /proc/PID/net/tcp{,6}).
std::vector<OpenTcpSocket> tcp_sockets(uint32_t pid);

}  // namespace agentprof
