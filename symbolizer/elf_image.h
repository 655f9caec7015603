#pragma once
// One ELF file opened read-only through libelf over a private mapping (or an owned buffer): the
// facts the symbolizer needs from it — build id, load segments, debug links, function symbols.
#include <libelf.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "symbolizer/symbol_table.h"

namespace agentprof::symbolizer {

struct LoadSegment {
  uint64_t vaddr = 0;
  uint64_t memsz = 0;
  uint64_t offset = 0;
  uint64_t filesz = 0;
  bool executable = false;
};

struct DebugLink {
  std::string name;
  uint32_t crc = 0;
};

class ElfImage {
 public:
  // Maps the whole file behind `fd` (the fd may be closed afterwards). nullptr with `error` set when
  // the file is not a readable ELF object. Files larger than `max_bytes` are refused.
  static std::unique_ptr<ElfImage> open_fd(int fd, std::string* error,
                                           uint64_t max_bytes = uint64_t{4} << 30);
  static std::unique_ptr<ElfImage> open_path(const std::string& path, std::string* error);
  // Takes ownership of an in-memory image (e.g. decompressed .gnu_debugdata).
  static std::unique_ptr<ElfImage> from_bytes(std::vector<char> bytes, std::string* error);

  ~ElfImage();
  ElfImage(const ElfImage&) = delete;
  ElfImage& operator=(const ElfImage&) = delete;

  // Lower-case hex of NT_GNU_BUILD_ID, "" when absent.
  const std::string& build_id() const { return build_id_; }
  const std::vector<LoadSegment>& load_segments() const { return segments_; }
  std::optional<DebugLink> debug_link() const;
  // Contents of a section by name (not NOBITS), or nullopt.
  std::optional<std::string_view> section(std::string_view name) const;
  // True when .symtab holds symbols (the debug info we can use is present).
  bool has_symtab() const;
  // Adds STT_FUNC / STT_GNU_IFUNC symbols of .symtab and .dynsym. Names point into this image,
  // which must outlive the table.
  size_t add_function_symbols(SymbolTable& table) const;
  Elf* elf() const { return elf_; }
  // CRC-32 (the .gnu_debuglink polynomial, as zlib's crc32) of the whole file.
  uint32_t crc32() const;

 private:
  ElfImage() = default;
  bool init(std::string* error);
  void read_build_id();
  void read_segments();

  void* map_ = nullptr;       // mmap'ed file (MAP_PRIVATE) or nullptr
  size_t map_size_ = 0;
  std::vector<char> owned_;   // or an owned buffer
  Elf* elf_ = nullptr;
  std::string build_id_;
  std::vector<LoadSegment> segments_;
};

}  // namespace agentprof::symbolizer
