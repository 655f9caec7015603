#include "profile/python_process.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace agentprof::profile {

std::optional<PythonVersion> python_version_from_path(std::string_view path) {
  size_t slash = path.rfind('/');
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (base.starts_with("lib")) base.remove_prefix(3);
  if (!base.starts_with("python")) return std::nullopt;
  base.remove_prefix(6);
  int major = 0, minor = 0;
  size_t i = 0;
  auto digits = [&](int& out) {
    size_t start = i;
    while (i < base.size() && base[i] >= '0' && base[i] <= '9' && i - start < 3) out = out * 10 + (base[i++] - '0');
    return i > start;
  };
  if (!digits(major) || i >= base.size() || base[i] != '.') return std::nullopt;
  ++i;
  if (!digits(minor)) return std::nullopt;
  // What may follow: nothing, ABI flags ("d", "m"), or ".so...".
  std::string_view rest = base.substr(i);
  if (!(rest.empty() || rest == "d" || rest == "m" || rest.starts_with(".so"))) return std::nullopt;
  if (major != 3) return std::nullopt;
  return PythonVersion{major, minor};
}

namespace {

struct MapLine {
  uint64_t start = 0;
  uint64_t offset = 0;
  std::string path;
};

struct ElfFacts {
  uint64_t runtime = 0;
  uint64_t code_type = 0;
  uint64_t first_load_vaddr = 0;
  bool found_load = false;
};

bool read_elf_facts(const std::string& file, ElfFacts& facts, std::string& why) {
  elf_version(EV_CURRENT);
  int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    why = "cannot open " + file;
    return false;
  }
  Elf* elf = elf_begin(fd, ELF_C_READ_MMAP, nullptr);
  if (!elf) {
    close(fd);
    why = "not an ELF file: " + file;
    return false;
  }
  size_t phnum = 0;
  if (elf_getphdrnum(elf, &phnum) == 0) {
    for (size_t i = 0; i < phnum; i++) {
      GElf_Phdr ph;
      if (gelf_getphdr(elf, int(i), &ph) && ph.p_type == PT_LOAD) {
        facts.first_load_vaddr = ph.p_vaddr - ph.p_offset;
        facts.found_load = true;
        break;
      }
    }
  }
  Elf_Scn* scn = nullptr;
  while ((scn = elf_nextscn(elf, scn)) != nullptr) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM)) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (!data || sh.sh_entsize == 0) continue;
    size_t count = sh.sh_size / sh.sh_entsize;
    for (size_t i = 0; i < count; i++) {
      GElf_Sym sym;
      if (!gelf_getsym(data, int(i), &sym) || sym.st_shndx == SHN_UNDEF || sym.st_value == 0) continue;
      const char* name = elf_strptr(elf, sh.sh_link, sym.st_name);
      if (!name) continue;
      std::string_view n(name);
      if (n == "_PyRuntime") facts.runtime = sym.st_value;
      else if (n == "PyCode_Type") facts.code_type = sym.st_value;
    }
  }
  elf_end(elf);
  close(fd);
  if (!facts.runtime || !facts.code_type || !facts.found_load) {
    why = file + " has no _PyRuntime/PyCode_Type symbols";
    return false;
  }
  return true;
}

}  // namespace

std::optional<PythonProcess> find_python(pid_t pid, std::string* why) {
  std::string reason;
  auto fail = [&](std::string text) -> std::optional<PythonProcess> {
    if (why) *why = std::move(text);
    return std::nullopt;
  };
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  if (!maps) return fail("cannot read /proc/" + std::to_string(pid) + "/maps");
  // Prefer libpython (an embedding binary links it) over the executable named python.
  std::optional<MapLine> exe, lib;
  std::string line;
  while (std::getline(maps, line)) {
    unsigned long long start = 0, end = 0, offset = 0;
    char perms[8] = {};
    int path_pos = 0;
    if (sscanf(line.c_str(), "%llx-%llx %7s %llx %*s %*s %n", &start, &end, perms, &offset, &path_pos) < 4)
      continue;
    if (path_pos <= 0 || size_t(path_pos) >= line.size()) continue;
    std::string path = line.substr(size_t(path_pos));
    if (path.empty() || path[0] != '/' || offset != 0) continue;
    auto version = python_version_from_path(path);
    if (!version) continue;
    MapLine m{start, offset, path};
    bool is_lib = path.find("/libpython") != std::string::npos;
    if (is_lib && !lib) lib = m;
    if (!is_lib && !exe) exe = m;
  }
  std::optional<MapLine> chosen = lib ? lib : exe;
  if (!chosen) return fail("no python binary or libpython mapped");
  PythonProcess result;
  result.version = *python_version_from_path(chosen->path);
  result.binary = chosen->path;
  if (!python_offsets_for(result.version))
    return fail("CPython " + std::to_string(result.version.major) + "." +
                std::to_string(result.version.minor) + " has no offset table entry");
  ElfFacts facts;
  std::string file = "/proc/" + std::to_string(pid) + "/root" + chosen->path;
  if (!read_elf_facts(file, facts, reason)) return fail(reason);
  // Load bias: where the file's offset-0 mapping starts minus the vaddr that offset has in the ELF.
  uint64_t bias = chosen->start - facts.first_load_vaddr;
  result.runtime_addr = facts.runtime + bias;
  result.code_type_addr = facts.code_type + bias;
  return result;
}

}  // namespace agentprof::profile
