#include "attach/elf_symbols.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cstring>
#include <vector>

namespace agentprof {
namespace {

struct LoadSegment {
  uint64_t vaddr, memsz, offset;
};

bool vaddr_to_offset(const std::vector<LoadSegment>& segs, uint64_t vaddr, uint64_t* out) {
  for (const auto& s : segs) {
    if (vaddr >= s.vaddr && vaddr < s.vaddr + s.memsz) {
      *out = vaddr - s.vaddr + s.offset;
      return true;
    }
  }
  return false;
}

void scan_symtab(Elf* elf, Elf_Scn* scn, const GElf_Shdr& shdr, const std::set<std::string>& wanted,
                 const std::vector<LoadSegment>& segs, std::map<std::string, uint64_t>& found,
                 std::map<std::string, uint64_t>& sizes) {
  Elf_Data* data = elf_getdata(scn, nullptr);
  if (!data || shdr.sh_entsize == 0) return;
  size_t count = shdr.sh_size / shdr.sh_entsize;
  for (size_t i = 0; i < count; i++) {
    GElf_Sym sym;
    if (!gelf_getsym(data, int(i), &sym)) continue;
    if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF || sym.st_value == 0)
      continue;
    const char* raw = elf_strptr(elf, shdr.sh_link, sym.st_name);
    if (!raw || !*raw) continue;
    std::string name(raw, strcspn(raw, "@"));
    if (!wanted.count(name) || found.count(name)) continue;
    uint64_t off;
    if (vaddr_to_offset(segs, sym.st_value, &off)) {
      found[name] = off;
      sizes[name] = sym.st_size;
    }
  }
}

}  // namespace

ElfSymbolLookup find_elf_functions(const std::string& path, const std::set<std::string>& wanted) {
  ElfSymbolLookup result;
  static const bool version_ok = elf_version(EV_CURRENT) != EV_NONE;
  if (!version_ok) {
    result.error = "libelf version mismatch";
    return result;
  }
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    result.error = std::string("open: ") + strerror(errno);
    return result;
  }
  Elf* elf = elf_begin(fd, ELF_C_READ_MMAP, nullptr);
  if (!elf || elf_kind(elf) != ELF_K_ELF) {
    result.error = "not an ELF file";
    if (elf) elf_end(elf);
    close(fd);
    return result;
  }
  GElf_Ehdr ehdr;
  if (!gelf_getehdr(elf, &ehdr)) {
    result.error = "no ELF header";
    elf_end(elf);
    close(fd);
    return result;
  }
  result.is_shared_object = ehdr.e_type == ET_DYN;

  std::vector<LoadSegment> segs;
  size_t phnum = 0;
  elf_getphdrnum(elf, &phnum);
  for (size_t i = 0; i < phnum; i++) {
    GElf_Phdr ph;
    if (gelf_getphdr(elf, int(i), &ph) && ph.p_type == PT_LOAD && (ph.p_flags & PF_X))
      segs.push_back({ph.p_vaddr, ph.p_memsz, ph.p_offset});
  }

  // .dynsym first: exported names are what other tools and our attach decisions rely on.
  for (Elf64_Word type : {Elf64_Word(SHT_DYNSYM), Elf64_Word(SHT_SYMTAB)}) {
    Elf_Scn* scn = nullptr;
    while ((scn = elf_nextscn(elf, scn)) != nullptr) {
      GElf_Shdr shdr;
      if (gelf_getshdr(scn, &shdr) && shdr.sh_type == type)
        scan_symtab(elf, scn, shdr, wanted, segs, result.offsets, result.sizes);
    }
    if (result.offsets.size() == wanted.size()) break;
  }
  elf_end(elf);
  close(fd);
  result.ok = true;
  return result;
}

}  // namespace agentprof
