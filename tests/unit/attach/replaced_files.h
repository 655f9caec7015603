// Helpers for the replaced-binary tests: temporary copies of executables, a child process running
// one, and replacing a file on disk the way package managers and self-updaters do (rename over it).
#pragma once

#include <sys/types.h>

#include <string>

namespace replaced_files {

// A fresh directory under /tmp, removed by the caller's Temp destructor.
struct TempDir {
  std::string path;
  TempDir();
  ~TempDir();
};

void copy_file(const std::string& from, const std::string& to);
// Writes `from`'s bytes to a new inode and renames it over `path` (the old inode stays mapped).
void replace_by_rename(const std::string& path, const std::string& from);

// A child running `argv0` with one argument (a program that sleeps); waits until it sleeps in its
// new image. Killed and reaped on destruction.
struct Child {
  pid_t pid = -1;
  Child(const std::string& argv0, const std::string& arg);
  ~Child();
  void kill_and_wait();
};

}  // namespace replaced_files
