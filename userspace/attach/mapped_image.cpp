#include "attach/mapped_image.h"

#include <sys/stat.h>

namespace agentprof {

MappedImageCheck check_mapped_image(uint32_t pid, const MappedFile& mapping, bool is_executable,
                                    const boringssl::FileIdentity& at_path) {
  MappedImageCheck out;
  const std::string who = "process " + std::to_string(pid);
  if (mapping.deleted) {
    out.verdict = MappedImageCheck::Verdict::kReplaced;
    out.reason = (is_executable ? "the executable of " + who + " was deleted or replaced on disk after it started"
                                : "this library, as mapped by " + who + ", was deleted or replaced on disk since") +
                 " (\"(deleted)\" in /proc/" + std::to_string(pid) + "/maps): not probed";
    return out;
  }
  uint64_t running_ino = mapping.inode;
  if (is_executable) {
    // /proc/PID/exe is the running image itself: same device and inode, or not the same file.
    struct stat st {};
    if (::stat(("/proc/" + std::to_string(pid) + "/exe").c_str(), &st) != 0) {
      out.verdict = MappedImageCheck::Verdict::kProcessGone;
      return out;
    }
    if (st.st_dev == at_path.dev && st.st_ino == at_path.ino) return out;
    running_ino = st.st_ino;
  } else if (mapping.inode == at_path.ino) {
    // Devices are not compared for libraries: maps shows the superblock's device, which differs
    // from stat's on btrfs subvolumes.
    return out;
  }
  out.verdict = MappedImageCheck::Verdict::kReplaced;
  out.reason = "the file now at this path (inode " + std::to_string(at_path.ino) + ") is not the one " + who +
               " maps (inode " + std::to_string(running_ino) + "): replaced on disk after it started; not probed";
  return out;
}

}  // namespace agentprof
