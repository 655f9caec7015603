#include "attach/pinned_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace agentprof {

namespace {

boringssl::FileIdentity identity_of(const struct stat& st) {
  boringssl::FileIdentity id;
  id.dev = st.st_dev;
  id.ino = st.st_ino;
  id.size = static_cast<uint64_t>(st.st_size);
  id.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return id;
}

}  // namespace

PinnedFile::~PinnedFile() {
  if (fd_ >= 0) ::close(fd_);
}

bool PinnedFile::open(const std::string& path) {
  // O_NONBLOCK: a FIFO planted at a library path must not block the attacher.
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd_ < 0) {
    error_ = std::string("cannot open: ") + std::strerror(errno);
    return false;
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    error_ = "not a regular file";
    ::close(fd_);
    fd_ = -1;
    return false;
  }
  identity_ = identity_of(st);
  proc_path_ = "/proc/self/fd/" + std::to_string(fd_);
  return true;
}

bool PinnedFile::unchanged() const {
  struct stat st {};
  return fd_ >= 0 && ::fstat(fd_, &st) == 0 && identity_of(st) == identity_;
}

}  // namespace agentprof
