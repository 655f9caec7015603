#include "attach/boringssl/elf_file.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "attach/boringssl/hex.h"

namespace agentprof::boringssl {

namespace {

// Header tables bigger than this are not real executables; refusing them bounds memory.
constexpr uint64_t kMaxHeaderTableBytes = 4u << 20;

FileIdentity identity_from(const struct stat& st) {
  FileIdentity id;
  id.dev = st.st_dev;
  id.ino = st.st_ino;
  id.size = static_cast<uint64_t>(st.st_size);
  id.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return id;
}

}  // namespace

std::optional<FileIdentity> stat_identity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return identity_from(st);
}

std::string identity_key(const FileIdentity& id) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a over the identity fields
  auto mix = [&](uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (8 * i)) & 0xff;
      h *= 1099511628211ull;
    }
  };
  mix(id.dev);
  mix(id.ino);
  mix(id.size);
  mix(static_cast<uint64_t>(id.mtime_ns));
  return "file-" + hex(h).substr(2);
}

ElfFile::~ElfFile() {
  if (fd_ >= 0) ::close(fd_);
}

bool ElfFile::open(const std::string& path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    error_ = "cannot open: " + std::string(std::strerror(errno));
    return false;
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    error_ = "not a regular file";
    return false;
  }
  identity_ = identity_from(st);
  return parse_headers();
}

bool ElfFile::read(uint64_t offset, void* out, size_t len) const {
  if (offset > identity_.size || len > identity_.size - offset) return false;
  auto* dst = static_cast<uint8_t*>(out);
  size_t done = 0;
  while (done < len) {
    ssize_t n = ::pread(fd_, dst + done, len - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;  // error or the file shrank under us
    done += static_cast<size_t>(n);
  }
  return true;
}

bool ElfFile::read(uint64_t offset, size_t len, std::vector<uint8_t>& out) const {
  out.resize(len);
  return read(offset, out.data(), len);
}

bool ElfFile::parse_headers() {
  Elf64_Ehdr eh{};
  unsigned char ident[EI_NIDENT]{};
  if (!read(0, ident, sizeof ident) || std::memcmp(ident, ELFMAG, SELFMAG) != 0) {
    error_ = "not an ELF file";
    return false;
  }
  if (ident[EI_CLASS] != ELFCLASS64 || ident[EI_DATA] != ELFDATA2LSB) {
    error_ = "not a 64-bit little-endian ELF";
    return false;
  }
  if (!read(0, &eh, sizeof eh)) {
    error_ = "truncated ELF header";
    return false;
  }
  machine_ = eh.e_machine;
  type_ = eh.e_type;

  if (eh.e_phnum > 0) {
    if (eh.e_phentsize != sizeof(Elf64_Phdr) ||
        uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr) > kMaxHeaderTableBytes) {
      error_ = "bad program header table";
      return false;
    }
    std::vector<Elf64_Phdr> ph(eh.e_phnum);
    if (!read(eh.e_phoff, ph.data(), ph.size() * sizeof(Elf64_Phdr))) {
      error_ = "truncated program headers";
      return false;
    }
    for (const auto& p : ph) {
      if (p.p_type != PT_LOAD && p.p_type != PT_NOTE) continue;
      if (p.p_offset > identity_.size || p.p_filesz > identity_.size - p.p_offset) {
        error_ = "segment extends past the end of the file (truncated?)";
        return false;
      }
      ElfSegment s{p.p_vaddr, p.p_offset, p.p_filesz, p.p_flags};
      (p.p_type == PT_LOAD ? loads_ : notes_).push_back(s);
    }
  }

  if (eh.e_shnum == 0) return true;  // sections are optional; callers report what they miss
  if (eh.e_shentsize != sizeof(Elf64_Shdr) ||
      uint64_t{eh.e_shnum} * sizeof(Elf64_Shdr) > kMaxHeaderTableBytes || eh.e_shstrndx >= eh.e_shnum) {
    error_ = "bad section header table";
    return false;
  }
  std::vector<Elf64_Shdr> sh(eh.e_shnum);
  if (!read(eh.e_shoff, sh.data(), sh.size() * sizeof(Elf64_Shdr))) {
    error_ = "truncated section headers";
    return false;
  }
  const Elf64_Shdr& strtab = sh[eh.e_shstrndx];
  if (strtab.sh_size > kMaxHeaderTableBytes) {
    error_ = "bad section name table";
    return false;
  }
  std::vector<uint8_t> names;
  if (!read(strtab.sh_offset, strtab.sh_size, names)) {
    error_ = "truncated section name table";
    return false;
  }
  for (const auto& s : sh) {
    ElfSection out;
    if (s.sh_name < names.size()) {
      const char* begin = reinterpret_cast<const char*>(names.data()) + s.sh_name;
      out.name.assign(begin, strnlen(begin, names.size() - s.sh_name));
    }
    out.type = s.sh_type;
    out.flags = s.sh_flags;
    out.vaddr = s.sh_addr;
    out.offset = s.sh_offset;
    out.size = s.sh_size;
    if (s.sh_type != SHT_NOBITS &&
        (s.sh_offset > identity_.size || s.sh_size > identity_.size - s.sh_offset)) {
      error_ = "section " + out.name + " extends past the end of the file (truncated?)";
      return false;
    }
    sections_.push_back(std::move(out));
  }
  return true;
}

const ElfSection* ElfFile::section(const std::string& name) const {
  for (const auto& s : sections_)
    if (s.name == name) return &s;
  return nullptr;
}

std::optional<uint64_t> ElfFile::vaddr_to_offset(uint64_t vaddr) const {
  for (const auto& l : loads_)
    if (vaddr >= l.vaddr && vaddr - l.vaddr < l.filesz) return vaddr - l.vaddr + l.offset;
  return std::nullopt;
}

std::string ElfFile::gnu_build_id() const {
  for (const auto& n : notes_) {
    if (n.filesz > 1u << 20) continue;
    std::vector<uint8_t> buf;
    if (!read(n.offset, n.filesz, buf)) continue;
    size_t pos = 0;
    while (pos + sizeof(Elf64_Nhdr) <= buf.size()) {
      Elf64_Nhdr nh;
      std::memcpy(&nh, buf.data() + pos, sizeof nh);
      size_t name_at = pos + sizeof nh;
      size_t desc_at = name_at + ((uint64_t{nh.n_namesz} + 3) & ~uint64_t{3});
      size_t next = desc_at + ((uint64_t{nh.n_descsz} + 3) & ~uint64_t{3});
      if (desc_at > buf.size() || next > buf.size() || next <= pos) break;
      if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
          std::memcmp(buf.data() + name_at, "GNU", 4) == 0 && nh.n_descsz > 0 && nh.n_descsz <= 64) {
        static const char* hex = "0123456789abcdef";
        std::string id;
        for (size_t i = 0; i < nh.n_descsz; ++i) {
          id += hex[buf[desc_at + i] >> 4];
          id += hex[buf[desc_at + i] & 15];
        }
        return id;
      }
      pos = next;
    }
  }
  return {};
}

bool ElfFile::unchanged_on_disk(const std::string& path) const {
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !(identity_from(st) == identity_)) return false;
  auto now = stat_identity(path);
  return now && *now == identity_;
}

}  // namespace agentprof::boringssl
