// A file as the kernel names it, for the BPF examined_files map. The kernel's dev_t is
// (major << 20 | minor) — the device /proc/PID/maps prints as major:minor and what the exec
// tracepoint reads from inode->i_sb->s_dev — while stat()'s st_dev is glibc's makedev() encoding of
// the device stat reports. Every conversion between the two happens here.
#pragma once

#include <sys/sysmacros.h>
#include <sys/types.h>

#include <cstdint>

#include "events.h"

namespace agentprof {

// The kernel's MKDEV(): 12 bits of major, 20 of minor.
inline constexpr uint32_t kernel_dev(uint32_t major, uint32_t minor) {
  return ((major & 0xfffu) << 20) | (minor & 0xfffffu);
}

inline ap_file_key kernel_file_key(uint32_t major, uint32_t minor, uint64_t ino) {
  ap_file_key key{};
  key.ino = ino;
  key.dev = kernel_dev(major, minor);
  return key;
}

// From stat(): the same key as the maps line of the file except on filesystems whose stat() device
// is not the superblock's (btrfs subvolumes); callers that have a maps line prefer it.
inline ap_file_key kernel_file_key_from_stat(dev_t st_dev, uint64_t ino) {
  return kernel_file_key(major(st_dev), minor(st_dev), ino);
}

}  // namespace agentprof
