#include "symbolizer/elf_module.h"

#include <elfutils/libdw.h>
#include <sys/stat.h>

#include <algorithm>

#include "symbolizer/demangle.h"
#include "symbolizer/minidebuginfo.h"

namespace agentprof::symbolizer {
namespace {

bool exists(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

std::shared_ptr<ElfModule> ElfModule::load(std::unique_ptr<ElfImage> image, const Origin& origin,
                                           const DebugFileLocator& locator) {
  std::shared_ptr<ElfModule> module(new ElfModule());
  module->build_id_ = image->build_id();
  module->segments_ = image->load_segments();
  image->add_function_symbols(module->symbols_);
  bool has_symtab = image->has_symtab();
  std::optional<DebugLink> link = has_symtab ? std::nullopt : image->debug_link();
  std::optional<std::string_view> debugdata = has_symtab ? std::nullopt : image->section(".gnu_debugdata");
  module->images_.push_back(std::move(image));
  module->symbol_source_ = has_symtab ? "symtab" : "dynsym";

  if (!has_symtab) {
    // Full debug files first (complete .symtab), then MiniDebugInfo (a subset) as the fallback.
    bool found = false;
    for (const std::string& candidate : locator.by_build_id(origin.root, module->build_id_)) {
      if (exists(candidate) && module->try_debug_file(candidate, false, 0)) {
        module->symbol_source_ = "build-id:" + candidate;
        found = true;
        break;
      }
    }
    if (!found && link) {
      for (const std::string& candidate : locator.by_debug_link(origin.root, origin.path, link->name)) {
        if (exists(candidate) && module->try_debug_file(candidate, true, link->crc)) {
          module->symbol_source_ = "debuglink:" + candidate;
          found = true;
          break;
        }
      }
    }
    if (!found && debugdata) {
      std::string error;
      if (auto bytes = xz_decompress(*debugdata, &error)) {
        if (auto mini = ElfImage::from_bytes(std::move(*bytes), &error)) {
          mini->add_function_symbols(module->symbols_);
          module->images_.push_back(std::move(mini));
          module->symbol_source_ = "gnu_debugdata";
        }
      }
    }
  }
  module->symbols_.finalize();
  return module;
}

bool ElfModule::try_debug_file(const std::string& path, bool must_match_crc, uint32_t crc) {
  std::string error;
  auto debug = ElfImage::open_path(path, &error);
  if (!debug) return false;
  // A debug file for another build would attribute addresses to the wrong functions: require the
  // same build id when both carry one, else the debuglink CRC.
  if (!build_id_.empty() && !debug->build_id().empty()) {
    if (debug->build_id() != build_id_) return false;
  } else if (must_match_crc) {
    if (debug->crc32() != crc) return false;
  } else {
    return false;
  }
  if (debug->add_function_symbols(symbols_) == 0) return false;
  images_.push_back(std::move(debug));
  return true;
}

std::optional<ElfModule::Hit> ElfModule::lookup(uint64_t vaddr) const {
  auto index = symbols_.find(vaddr);
  if (!index) return std::nullopt;
  return Hit{*index, vaddr - symbols_.at(*index).address};
}

std::string ElfModule::name(uint32_t index) const {
  std::string_view raw = symbols_.at(index).name;
  if (raw.size() < 2 || raw[0] != '_' || raw[1] != 'Z') return std::string(raw);
  std::lock_guard<std::mutex> lock(demangle_mutex_);
  if (demangled_.empty()) demangled_.resize(symbols_.size());
  std::string& cached = demangled_[index];
  if (cached.empty()) cached = demangle(raw);
  return cached;
}

ElfModule::~ElfModule() {
  if (dwarf_ != nullptr) dwarf_end(dwarf_);
}

std::optional<SourceLine> ElfModule::source_line(uint64_t vaddr) const {
  std::lock_guard<std::mutex> lock(dwarf_mutex_);
  if (!dwarf_tried_) {
    dwarf_tried_ = true;
    // Debug files were added after the main image: prefer the last image that has line tables.
    for (auto it = images_.rbegin(); it != images_.rend() && dwarf_ == nullptr; ++it) {
      if ((*it)->section(".debug_info") && (*it)->section(".debug_line")) {
        dwarf_ = dwarf_begin_elf((*it)->elf(), DWARF_C_READ, nullptr);
      }
    }
  }
  if (dwarf_ == nullptr) return std::nullopt;
  Dwarf_Die cu;
  if (dwarf_addrdie(dwarf_, vaddr, &cu) == nullptr) {
    auto offset = cu_containing(vaddr);
    if (!offset || dwarf_offdie(dwarf_, *offset, &cu) == nullptr) return std::nullopt;
  }
  Dwarf_Line* line = dwarf_getsrc_die(&cu, vaddr);
  if (line == nullptr) return std::nullopt;
  int number = 0;
  const char* file = dwarf_linesrc(line, nullptr, nullptr);
  if (file == nullptr || dwarf_lineno(line, &number) != 0 || number <= 0) return std::nullopt;
  return SourceLine{file, static_cast<uint32_t>(number)};
}

std::optional<uint64_t> ElfModule::cu_containing(uint64_t vaddr) const {
  if (!cu_ranges_built_) {
    cu_ranges_built_ = true;
    Dwarf_Off offset = 0, next = 0;
    size_t header_size = 0;
    while (dwarf_nextcu(dwarf_, offset, &next, &header_size, nullptr, nullptr, nullptr) == 0) {
      Dwarf_Die cu;
      if (dwarf_offdie(dwarf_, offset + header_size, &cu) != nullptr) {
        Dwarf_Addr base = 0, low = 0, high = 0;
        for (ptrdiff_t it = 0; (it = dwarf_ranges(&cu, it, &base, &low, &high)) > 0;) {
          if (high > low) cu_ranges_.push_back({low, high, offset + header_size});
        }
      }
      offset = next;
    }
    std::sort(cu_ranges_.begin(), cu_ranges_.end(), [](const CuRange& a, const CuRange& b) { return a.low < b.low; });
  }
  auto it = std::upper_bound(cu_ranges_.begin(), cu_ranges_.end(), vaddr,
                             [](uint64_t a, const CuRange& r) { return a < r.low; });
  // Ranges of different units do not overlap in practice; look back a little in case they do.
  for (int scanned = 0; it != cu_ranges_.begin() && scanned < 4; ++scanned) {
    --it;
    if (vaddr < it->high) return it->die_offset;
  }
  return std::nullopt;
}

int64_t ElfModule::vaddr_adjustment(uint64_t mapping_offset) const {
  const LoadSegment* best = nullptr;
  for (const LoadSegment& seg : segments_) {
    // Mappings start at the page-aligned file offset of a segment, so the mapping offset can be up
    // to a page below p_offset.
    uint64_t page_start = seg.offset & ~uint64_t{0xfff};
    uint64_t max_page = seg.offset & ~uint64_t{0xffff};  // tolerate up to 64 KiB pages
    if (mapping_offset < max_page || mapping_offset >= seg.offset + std::max<uint64_t>(seg.filesz, 1)) continue;
    // Prefer the exact 4 KiB page match and executable segments (stacks point into code).
    if (best == nullptr || (mapping_offset >= page_start && seg.executable && !best->executable)) best = &seg;
  }
  if (best == nullptr) return 0;
  return static_cast<int64_t>(best->vaddr - best->offset);
}

}  // namespace agentprof::symbolizer
