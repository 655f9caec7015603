#include "symbolizer/elf_image.h"

#include <fcntl.h>
#include <gelf.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>

namespace agentprof::symbolizer {
namespace {

bool libelf_ready() {
  static const bool ready = elf_version(EV_CURRENT) != EV_NONE;
  return ready;
}

// NUL-terminated string at `offset` of a string table, or an empty view when out of bounds.
std::string_view string_at(const Elf_Data* strtab, size_t offset) {
  if (strtab == nullptr || strtab->d_buf == nullptr || offset >= strtab->d_size) return {};
  const char* begin = static_cast<const char*>(strtab->d_buf) + offset;
  const void* nul = std::memchr(begin, '\0', strtab->d_size - offset);
  if (nul == nullptr) return {};
  return std::string_view(begin, static_cast<const char*>(nul) - begin);
}

std::string hex(const unsigned char* bytes, size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(digits[bytes[i] >> 4]);
    out.push_back(digits[bytes[i] & 0xf]);
  }
  return out;
}

// Scans one block of notes for NT_GNU_BUILD_ID.
std::string build_id_in_notes(Elf_Data* data) {
  if (data == nullptr || data->d_buf == nullptr) return {};
  size_t offset = 0;
  GElf_Nhdr nhdr;
  size_t name_off = 0, desc_off = 0;
  while (offset < data->d_size) {
    size_t next = gelf_getnote(data, offset, &nhdr, &name_off, &desc_off);
    if (next == 0 || next <= offset) break;
    const char* base = static_cast<const char*>(data->d_buf);
    if (nhdr.n_type == NT_GNU_BUILD_ID && nhdr.n_namesz == 4 && std::memcmp(base + name_off, "GNU", 4) == 0 &&
        nhdr.n_descsz > 0 && nhdr.n_descsz <= 64 && desc_off + nhdr.n_descsz <= data->d_size) {
      return hex(reinterpret_cast<const unsigned char*>(base + desc_off), nhdr.n_descsz);
    }
    offset = next;
  }
  return {};
}

}  // namespace

std::unique_ptr<ElfImage> ElfImage::open_fd(int fd, std::string* error, uint64_t max_bytes) {
  struct stat st{};
  if (fstat(fd, &st) != 0) {
    if (error) *error = std::string("fstat: ") + std::strerror(errno);
    return nullptr;
  }
  if (!S_ISREG(st.st_mode) || st.st_size <= 0) {
    if (error) *error = "not a regular non-empty file";
    return nullptr;
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    if (error) *error = "file too large";
    return nullptr;
  }
  // MAP_PRIVATE + PROT_WRITE: libelf may want a writable image; pages are only copied if touched.
  void* map = mmap(nullptr, st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  if (map == MAP_FAILED) {
    if (error) *error = std::string("mmap: ") + std::strerror(errno);
    return nullptr;
  }
  std::unique_ptr<ElfImage> image(new ElfImage());
  image->map_ = map;
  image->map_size_ = static_cast<size_t>(st.st_size);
  if (!image->init(error)) return nullptr;
  return image;
}

std::unique_ptr<ElfImage> ElfImage::open_path(const std::string& path, std::string* error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (error) *error = path + ": " + std::strerror(errno);
    return nullptr;
  }
  auto image = open_fd(fd, error);
  ::close(fd);
  return image;
}

std::unique_ptr<ElfImage> ElfImage::from_bytes(std::vector<char> bytes, std::string* error) {
  if (bytes.empty()) {
    if (error) *error = "empty image";
    return nullptr;
  }
  std::unique_ptr<ElfImage> image(new ElfImage());
  image->owned_ = std::move(bytes);
  if (!image->init(error)) return nullptr;
  return image;
}

ElfImage::~ElfImage() {
  if (elf_ != nullptr) elf_end(elf_);
  if (map_ != nullptr) munmap(map_, map_size_);
}

bool ElfImage::init(std::string* error) {
  if (!libelf_ready()) {
    if (error) *error = "libelf version mismatch";
    return false;
  }
  char* base = map_ != nullptr ? static_cast<char*>(map_) : owned_.data();
  size_t size = map_ != nullptr ? map_size_ : owned_.size();
  elf_ = elf_memory(base, size);
  if (elf_ == nullptr || elf_kind(elf_) != ELF_K_ELF) {
    if (error) *error = "not an ELF file";
    return false;
  }
  GElf_Ehdr ehdr;
  if (gelf_getehdr(elf_, &ehdr) == nullptr) {
    if (error) *error = "bad ELF header";
    return false;
  }
  read_segments();
  read_build_id();
  return true;
}

void ElfImage::read_segments() {
  size_t count = 0;
  if (elf_getphdrnum(elf_, &count) != 0) return;
  for (size_t i = 0; i < count; ++i) {
    GElf_Phdr phdr;
    if (gelf_getphdr(elf_, static_cast<int>(i), &phdr) == nullptr || phdr.p_type != PT_LOAD) continue;
    segments_.push_back({phdr.p_vaddr, phdr.p_memsz, phdr.p_offset, phdr.p_filesz, (phdr.p_flags & PF_X) != 0});
  }
}

void ElfImage::read_build_id() {
  Elf_Scn* scn = nullptr;
  while ((scn = elf_nextscn(elf_, scn)) != nullptr) {
    GElf_Shdr shdr;
    if (gelf_getshdr(scn, &shdr) == nullptr || shdr.sh_type != SHT_NOTE) continue;
    build_id_ = build_id_in_notes(elf_getdata(scn, nullptr));
    if (!build_id_.empty()) return;
  }
  // Section headers can be stripped; program headers still locate the notes.
  size_t count = 0;
  if (elf_getphdrnum(elf_, &count) != 0) return;
  for (size_t i = 0; i < count; ++i) {
    GElf_Phdr phdr;
    if (gelf_getphdr(elf_, static_cast<int>(i), &phdr) == nullptr || phdr.p_type != PT_NOTE) continue;
    build_id_ = build_id_in_notes(elf_getdata_rawchunk(elf_, phdr.p_offset, phdr.p_filesz, ELF_T_NHDR));
    if (!build_id_.empty()) return;
  }
}

std::optional<std::string_view> ElfImage::section(std::string_view name) const {
  size_t shstrndx = 0;
  if (elf_getshdrstrndx(elf_, &shstrndx) != 0) return std::nullopt;
  Elf_Scn* names_scn = elf_getscn(elf_, shstrndx);
  Elf_Data* names = names_scn ? elf_getdata(names_scn, nullptr) : nullptr;
  Elf_Scn* scn = nullptr;
  while ((scn = elf_nextscn(elf_, scn)) != nullptr) {
    GElf_Shdr shdr;
    if (gelf_getshdr(scn, &shdr) == nullptr || shdr.sh_type == SHT_NOBITS) continue;
    if (string_at(names, shdr.sh_name) != name) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (data == nullptr || data->d_buf == nullptr) return std::nullopt;
    return std::string_view(static_cast<const char*>(data->d_buf), data->d_size);
  }
  return std::nullopt;
}

std::optional<DebugLink> ElfImage::debug_link() const {
  auto data = section(".gnu_debuglink");
  if (!data) return std::nullopt;
  size_t nul = data->find('\0');
  if (nul == std::string_view::npos || nul == 0) return std::nullopt;
  DebugLink link;
  link.name = std::string(data->substr(0, nul));
  size_t crc_off = (nul + 1 + 3) & ~size_t{3};
  if (crc_off + 4 <= data->size()) std::memcpy(&link.crc, data->data() + crc_off, 4);
  // A link name is a file name; anything with a path separator could escape the debug directories.
  if (link.name.find('/') != std::string::npos || link.name == "." || link.name == "..") return std::nullopt;
  return link;
}

bool ElfImage::has_symtab() const {
  Elf_Scn* scn = nullptr;
  while ((scn = elf_nextscn(elf_, scn)) != nullptr) {
    GElf_Shdr shdr;
    if (gelf_getshdr(scn, &shdr) != nullptr && shdr.sh_type == SHT_SYMTAB && shdr.sh_size > 0) return true;
  }
  return false;
}

size_t ElfImage::add_function_symbols(SymbolTable& table) const {
  size_t added = 0;
  Elf_Scn* scn = nullptr;
  while ((scn = elf_nextscn(elf_, scn)) != nullptr) {
    GElf_Shdr shdr;
    if (gelf_getshdr(scn, &shdr) == nullptr) continue;
    if (shdr.sh_type != SHT_SYMTAB && shdr.sh_type != SHT_DYNSYM) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    Elf_Scn* str_scn = elf_getscn(elf_, shdr.sh_link);
    Elf_Data* strtab = str_scn ? elf_getdata(str_scn, nullptr) : nullptr;
    if (data == nullptr || strtab == nullptr) continue;
    size_t entsize = gelf_fsize(elf_, ELF_T_SYM, 1, EV_CURRENT);
    if (entsize == 0) continue;
    size_t count = data->d_size / entsize;
    for (size_t i = 0; i < count; ++i) {
      GElf_Sym sym;
      if (gelf_getsym(data, static_cast<int>(i), &sym) == nullptr) break;
      int type = GELF_ST_TYPE(sym.st_info);
      if (type != STT_FUNC && type != STT_GNU_IFUNC) continue;
      if (sym.st_shndx == SHN_UNDEF || sym.st_value == 0) continue;
      std::string_view name = string_at(strtab, sym.st_name);
      if (name.empty()) continue;
      int bind = GELF_ST_BIND(sym.st_info);
      SymbolRank rank = bind == STB_GLOBAL ? SymbolRank::kGlobal
                        : bind == STB_WEAK ? SymbolRank::kWeak
                                           : SymbolRank::kLocal;
      table.add(sym.st_value, sym.st_size, name, rank);
      ++added;
    }
  }
  return added;
}

uint32_t ElfImage::crc32() const {
  const char* base = map_ != nullptr ? static_cast<const char*>(map_) : owned_.data();
  size_t size = map_ != nullptr ? map_size_ : owned_.size();
  uLong crc = ::crc32(0L, Z_NULL, 0);
  while (size > 0) {
    uInt chunk = static_cast<uInt>(std::min<size_t>(size, 1u << 30));
    crc = ::crc32(crc, reinterpret_cast<const Bytef*>(base), chunk);
    base += chunk;
    size -= chunk;
  }
  return static_cast<uint32_t>(crc);
}

}  // namespace agentprof::symbolizer
