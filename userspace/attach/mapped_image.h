// Is the file now at a path the one a process actually maps? An executable or library can be
// replaced on disk (package upgrade, self-update: a new file renamed over the old one) or deleted
// while processes still run the old one. Offsets computed from the new file mean nothing in the old
// one, so such a mapping is refused — with a reason — rather than probed.
#pragma once

#include <cstdint>
#include <string>

#include "attach/boringssl/elf_file.h"
#include "attach/proc_files.h"

namespace agentprof {

struct MappedImageCheck {
  enum class Verdict { kSame, kReplaced, kProcessGone };
  Verdict verdict = Verdict::kSame;
  std::string reason;  // for kReplaced: what differs, in words for `doctor`
};

// `mapping` comes from /proc/PID/maps; `at_path` is the identity of the file opened at its path.
// The executable is compared by device and inode through /proc/PID/exe (the running image); a
// library by the inode its mapping shows. A mapping marked " (deleted)" is always kReplaced.
MappedImageCheck check_mapped_image(uint32_t pid, const MappedFile& mapping, bool is_executable,
                                    const boringssl::FileIdentity& at_path);

}  // namespace agentprof
