// PinnedFile: once opened, /proc/self/fd/N keeps naming the same bytes when the path is replaced or
// unlinked, and an in-place rewrite is noticed.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "attach/pinned_file.h"
#include "replaced_files.h"

using agentprof::PinnedFile;

namespace {

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

}  // namespace

TEST_CASE("the pinned path keeps the original file after the path is replaced", "[attach]") {
  replaced_files::TempDir dir;
  const std::string path = dir.path + "/binary";
  write_text(path, "original bytes");
  PinnedFile pinned;
  REQUIRE(pinned.open(path));
  struct stat before {};
  REQUIRE(::stat(path.c_str(), &before) == 0);
  CHECK(pinned.identity().ino == before.st_ino);

  write_text(dir.path + "/other", "replacement bytes");
  REQUIRE(::rename((dir.path + "/other").c_str(), path.c_str()) == 0);
  CHECK(read_text(path) == "replacement bytes");
  CHECK(read_text(pinned.proc_path()) == "original bytes");
  struct stat through {};
  REQUIRE(::stat(pinned.proc_path().c_str(), &through) == 0);
  CHECK(through.st_ino == before.st_ino);
  CHECK(pinned.unchanged());  // replacing the path does not touch the pinned inode

  REQUIRE(::unlink(path.c_str()) == 0);
  CHECK(read_text(pinned.proc_path()) == "original bytes");
}

TEST_CASE("an in-place rewrite of the pinned file is noticed", "[attach]") {
  replaced_files::TempDir dir;
  const std::string path = dir.path + "/lib.so";
  write_text(path, "0123456789");
  PinnedFile pinned;
  REQUIRE(pinned.open(path));
  CHECK(pinned.unchanged());
  std::ofstream(path, std::ios::binary | std::ios::app) << "more";
  CHECK_FALSE(pinned.unchanged());
}

TEST_CASE("only regular files are pinned", "[attach]") {
  replaced_files::TempDir dir;
  PinnedFile missing;
  CHECK_FALSE(missing.open(dir.path + "/none"));
  CHECK(missing.error().find("cannot open") == 0);
  PinnedFile directory;
  CHECK_FALSE(directory.open(dir.path));
  CHECK(directory.error() == "not a regular file");
  // A FIFO where a library is expected must neither block nor be accepted.
  const std::string fifo = dir.path + "/fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  PinnedFile pipe;
  CHECK_FALSE(pipe.open(fifo));
  CHECK(pipe.proc_path().empty());
}
