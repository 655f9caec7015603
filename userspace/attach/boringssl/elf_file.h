// Read-only view of an ELF64 file through pread (never mmap: a file truncated while we read it
// must produce an error, not SIGBUS). Headers are validated before any field is trusted.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace agentprof::boringssl {

struct ElfSection {
  std::string name;
  uint32_t type = 0;
  uint64_t flags = 0;
  uint64_t vaddr = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
};

struct ElfSegment {  // PT_LOAD only
  uint64_t vaddr = 0;
  uint64_t offset = 0;
  uint64_t filesz = 0;
  uint32_t flags = 0;
};

// What identifies the file on disk; compared before and after analysis to detect replacement.
struct FileIdentity {
  dev_t dev = 0;
  ino_t ino = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  bool operator==(const FileIdentity&) const = default;
};

class ElfFile {
 public:
  ElfFile() = default;
  ~ElfFile();
  ElfFile(const ElfFile&) = delete;
  ElfFile& operator=(const ElfFile&) = delete;

  // Opens and validates headers. On failure returns false and error() says why.
  bool open(const std::string& path);
  const std::string& error() const { return error_; }

  uint16_t machine() const { return machine_; }
  uint16_t type() const { return type_; }  // ET_EXEC, ET_DYN...
  const std::vector<ElfSection>& sections() const { return sections_; }
  const std::vector<ElfSegment>& load_segments() const { return loads_; }
  const FileIdentity& identity() const { return identity_; }

  const ElfSection* section(const std::string& name) const;
  // File offset of a virtual address inside a PT_LOAD segment's file-backed bytes.
  std::optional<uint64_t> vaddr_to_offset(uint64_t vaddr) const;

  // Reads exactly `len` bytes at `offset`; false if the file is shorter or the read fails.
  bool read(uint64_t offset, void* out, size_t len) const;
  bool read(uint64_t offset, size_t len, std::vector<uint8_t>& out) const;

  // Lowercase hex of the NT_GNU_BUILD_ID note, empty when absent.
  std::string gnu_build_id() const;
  // True when the path still names the same, unmodified file we opened.
  bool unchanged_on_disk(const std::string& path) const;

 private:
  bool parse_headers();

  int fd_ = -1;
  std::string error_;
  uint16_t machine_ = 0;
  uint16_t type_ = 0;
  std::vector<ElfSection> sections_;
  std::vector<ElfSegment> loads_;
  std::vector<ElfSegment> notes_;  // PT_NOTE segments (offset/filesz used)
  FileIdentity identity_;
};

// Identity of a path without opening it as ELF; nullopt when stat fails.
std::optional<FileIdentity> stat_identity(const std::string& path);

// Cache key for a binary without a build id: "file-<hash of dev, inode, size, mtime>", stable while
// the file is unchanged, different after it is replaced or rewritten.
std::string identity_key(const FileIdentity& id);

}  // namespace agentprof::boringssl
