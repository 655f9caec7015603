#pragma once
// The symbols of one binary (executable or shared library), merged from the file itself and its
// separate debug file or .gnu_debugdata; immutable after load except for a lazy demangling cache.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "symbolizer/debug_file_locator.h"
#include "symbolizer/elf_image.h"
#include "symbolizer/symbol_table.h"

struct Dwarf;

namespace agentprof::symbolizer {

struct SourceLine {
  std::string file;
  uint32_t line = 0;
};

class ElfModule {
 public:
  // Where the file was found, to look for its debug file next to it: `root` is the mount-namespace
  // prefix ("" or "/proc/PID/root"), `path` the binary's path inside that namespace.
  struct Origin {
    std::string root;
    std::string path;
  };

  ~ElfModule();
  ElfModule(const ElfModule&) = delete;
  ElfModule& operator=(const ElfModule&) = delete;

  // Builds the symbol table of `image` (taking ownership). Never fails: a binary without symbols
  // yields an empty table (every lookup then says unknown, with the module name).
  static std::shared_ptr<ElfModule> load(std::unique_ptr<ElfImage> image, const Origin& origin,
                                         const DebugFileLocator& locator);

  struct Hit {
    uint32_t index;       // symbol index, for name()
    uint64_t offset;      // bytes from the symbol start
  };
  std::optional<Hit> lookup(uint64_t vaddr) const;
  // Demangled name of symbol `index` (computed once, then cached). Thread-safe.
  std::string name(uint32_t index) const;
  std::string_view raw_name(uint32_t index) const { return symbols_.at(index).name; }
  // Source file and line of `vaddr` from DWARF line tables (of the file or its debug file), when the
  // binary has them. The DWARF index is opened on first use. Thread-safe.
  std::optional<SourceLine> source_line(uint64_t vaddr) const;

  // Adjustment from a file offset to the ELF virtual address for a mapping of this file at file
  // offset `mapping_offset`: vaddr = (address - mapping start) + mapping_offset + adjustment. Taken
  // from the PT_LOAD segment that contains that file offset (0 when none does).
  int64_t vaddr_adjustment(uint64_t mapping_offset) const;

  const std::string& build_id() const { return build_id_; }
  size_t symbol_count() const { return symbols_.size(); }
  // Where the symbols came from, for diagnostics: e.g. "symtab", "build-id:/usr/lib/debug/...".
  const std::string& symbol_source() const { return symbol_source_; }

 private:
  ElfModule() = default;
  bool try_debug_file(const std::string& path, bool must_match_crc, uint32_t crc);

  std::vector<std::unique_ptr<ElfImage>> images_;  // keep symbol name storage alive
  std::vector<LoadSegment> segments_;
  std::string build_id_;
  std::string symbol_source_;
  SymbolTable symbols_;
  mutable std::mutex dwarf_mutex_;
  mutable bool dwarf_tried_ = false;
  mutable ::Dwarf* dwarf_ = nullptr;  // borrows an image in images_
  // Compilation-unit address ranges, for binaries without .debug_aranges (clang's default).
  struct CuRange {
    uint64_t low;
    uint64_t high;
    uint64_t die_offset;
  };
  mutable std::vector<CuRange> cu_ranges_;
  mutable bool cu_ranges_built_ = false;
  std::optional<uint64_t> cu_containing(uint64_t vaddr) const;  // caller holds dwarf_mutex_
  mutable std::mutex demangle_mutex_;
  // Indexed by symbol; allocated on the first mangled lookup, an empty string means "not yet".
  mutable std::vector<std::string> demangled_;
};

}  // namespace agentprof::symbolizer
