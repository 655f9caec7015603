// The kernel's dev_t encoding, from maps' major:minor and from stat(): both must give the key the
// exec tracepoint builds from inode->i_sb->s_dev and i_ino.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <string>

#include "attach/kernel_file_key.h"
#include "attach/proc_files.h"

using agentprof::kernel_dev;
using agentprof::kernel_file_key;
using agentprof::kernel_file_key_from_stat;

TEST_CASE("kernel dev_t is major << 20 | minor") {
  CHECK(kernel_dev(8, 1) == 0x00800001u);
  CHECK(kernel_dev(0, 0) == 0u);
  CHECK(kernel_dev(259, 0x12345) == ((259u << 20) | 0x12345u));
  // Largest values the kernel has room for: 12 bits of major, 20 of minor.
  CHECK(kernel_dev(0xfff, 0xfffff) == 0xffffffffu);
}

TEST_CASE("stat's st_dev converts to the same key as the major:minor pair") {
  // glibc's makedev() splits minor bits around the major; the kernel's encoding does not.
  const dev_t st_dev = makedev(259, 0x12345);
  CHECK(st_dev != dev_t((259u << 20) | 0x12345u));
  const ap_file_key a = kernel_file_key_from_stat(st_dev, 42);
  const ap_file_key b = kernel_file_key(259, 0x12345, 42);
  CHECK(a.dev == b.dev);
  CHECK(a.ino == 42);
  CHECK(a.pad == 0);
}

TEST_CASE("this test's own executable: maps and stat name it with the same key") {
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  REQUIRE(n > 0);
  const std::string path(exe, size_t(n));
  struct stat st {};
  REQUIRE(stat("/proc/self/exe", &st) == 0);
  bool found = false;
  for (const agentprof::MappedFile& f : agentprof::mapped_files(uint32_t(getpid()))) {
    if (f.path != path) continue;
    found = true;
    const ap_file_key from_maps = kernel_file_key(f.dev_major, f.dev_minor, f.inode);
    const ap_file_key from_stat = kernel_file_key_from_stat(st.st_dev, st.st_ino);
    CHECK(from_maps.ino == from_stat.ino);
    CHECK(from_maps.dev == from_stat.dev);  // (differs on btrfs subvolumes, not on the test hosts)
  }
  CHECK(found);
}
