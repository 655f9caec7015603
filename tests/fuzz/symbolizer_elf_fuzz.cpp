// Fuzz the ELF side of the symbolizer: arbitrary bytes as an ELF image (symbol tables, notes, program
// headers, debug link, .gnu_debugdata) must never crash, hang or attribute out-of-range addresses.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "symbolizer/elf_image.h"
#include "symbolizer/elf_module.h"

namespace sym = agentprof::symbolizer;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  std::string error;
  auto image = sym::ElfImage::from_bytes(std::vector<char>(data, data + size), &error);
  if (!image) return 0;
  (void)image->debug_link();
  (void)image->has_symtab();
  (void)image->crc32();
  sym::DebugFileLocator locator;
  locator.debug_dirs.clear();  // no file system searches from fuzz input
  auto module = sym::ElfModule::load(std::move(image), sym::ElfModule::Origin{"/nonexistent-root", "/x"}, locator);
  for (uint64_t probe : {uint64_t{0}, uint64_t{0x1000}, uint64_t{0x401000}, ~uint64_t{0}}) {
    if (auto hit = module->lookup(probe)) {
      (void)module->name(hit->index);
      if (hit->offset > probe) __builtin_trap();  // offset from a start above the address
    }
    (void)module->vaddr_adjustment(probe);
  }
  return 0;
}
