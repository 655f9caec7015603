// A file opened once and then referred to as /proc/self/fd/N for everything that follows — symbol
// lookup, stripped-code analysis and the uprobe attachment itself (the kernel resolves that path to
// the open file's inode). So the offsets probed are always computed from the very file the probes
// go on, even when its path is replaced or unlinked in between.
#pragma once

#include <string>

#include "attach/boringssl/elf_file.h"

namespace agentprof {

class PinnedFile {
 public:
  PinnedFile() = default;
  ~PinnedFile();
  PinnedFile(const PinnedFile&) = delete;
  PinnedFile& operator=(const PinnedFile&) = delete;

  // Opens `path` read-only; false (and error()) when it cannot be opened or is not a regular file.
  bool open(const std::string& path);
  const std::string& error() const { return error_; }

  // "/proc/self/fd/N": opens, and attaches uprobes to, exactly this file.
  const std::string& proc_path() const { return proc_path_; }
  // Device, inode, size and mtime when opened.
  const boringssl::FileIdentity& identity() const { return identity_; }
  // Same size and mtime as when opened: false after an in-place rewrite (or if fstat fails).
  bool unchanged() const;

 private:
  int fd_ = -1;
  std::string proc_path_;
  std::string error_;
  boringssl::FileIdentity identity_;
};

}  // namespace agentprof
