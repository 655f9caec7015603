#include "fixture_builder.h"

#include <elf.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace bssl_fixture {

void Code::imm32(uint32_t v) {
  for (int i = 0; i < 4; ++i) bytes_.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void Code::pad_to_function() {
  while (here() % 16) bytes_.push_back(0xcc);
}

void Code::mov_imm32(int reg, uint32_t imm) {
  if (reg >= 8) bytes_.push_back(0x41);
  bytes_.push_back(static_cast<uint8_t>(0xb8 + (reg & 7)));
  imm32(imm);
}

void Code::mov_imm_sx64(int reg, uint32_t imm) {
  bytes_.push_back(reg >= 8 ? 0x49 : 0x48);
  bytes_.push_back(0xc7);
  bytes_.push_back(static_cast<uint8_t>(0xc0 + (reg & 7)));
  imm32(imm);
}

void Code::xor_self(int reg) {
  if (reg >= 8) bytes_.push_back(0x45);
  bytes_.push_back(0x31);
  bytes_.push_back(static_cast<uint8_t>(0xc0 | ((reg & 7) << 3) | (reg & 7)));
}

void Code::mov_reg64(int dst, int src) {
  bytes_.push_back(static_cast<uint8_t>(0x48 | (src >= 8 ? 4 : 0) | (dst >= 8 ? 1 : 0)));
  bytes_.push_back(0x89);
  bytes_.push_back(static_cast<uint8_t>(0xc0 | ((src & 7) << 3) | (dst & 7)));
}

void Code::rel32(uint8_t, const std::string& target) {
  fixups_.emplace_back(bytes_.size(), target);
  imm32(0);
}

void Code::call(const std::string& target) {
  bytes_.push_back(0xe8);
  rel32(1, target);
}

void Code::jmp(const std::string& target) {
  bytes_.push_back(0xe9);
  rel32(1, target);
}

void Code::je(const std::string& target) {
  raw({0x0f, 0x84});
  rel32(2, target);
}

std::vector<uint8_t> Code::finish() const {
  std::vector<uint8_t> out = bytes_;
  for (const auto& [pos, name] : fixups_) {
    int64_t rel = static_cast<int64_t>(labels_.at(name)) - static_cast<int64_t>(base_ + pos + 4);
    int32_t r = static_cast<int32_t>(rel);
    std::memcpy(out.data() + pos, &r, 4);
  }
  return out;
}

namespace {

constexpr uint64_t kRodataOff = 0x1000;
constexpr uint64_t kTextOff = 0x2000;
constexpr uint64_t kNoteOff = 0x200;  // after the program headers
constexpr uint64_t kDataOff = 0x1800;  // a small writable segment (the ex_data class lives there)
constexpr const char* kFileName = "../../vendor/boringssl/ssl/ssl_lib.cc";

// One ERR_put_error site. With `shared`, the arguments are loaded and control jumps to a shared call.
void error_site(Code& c, const Spec& s, uint32_t file, uint32_t reason, uint32_t line, bool shared = false,
                bool reason_from_memory = false) {
  auto load_reason = [&](int reg) {
    if (reason_from_memory) c.raw({0x8b, static_cast<uint8_t>(0x07 | ((reg & 7) << 3))});  // mov r32, [rdi]
    else c.mov_imm32(reg, reason);
  };
  if (s.func_zero_order) {
    if (s.file_reg_64bit) c.mov_imm_sx64(RCX, file);
    else c.mov_imm32(RCX, file);
    c.mov_imm32(RDI, 16);
    c.xor_self(RSI);
    load_reason(RDX);
    c.mov_imm32(R8, line);
  } else {
    if (s.file_reg_64bit) c.mov_imm_sx64(RDX, file);
    else c.mov_imm32(RDX, file);
    c.mov_imm32(RDI, 16);
    load_reason(RSI);
    c.mov_imm32(RCX, line);
  }
  if (shared) c.jmp("shared_error_call");
  else c.call("err_put_error");
}

void start_function(Code& c, const std::string& name, bool prologue = true) {
  c.pad_to_function();
  c.label(name);
  if (prologue) c.prologue();
  else c.raw({0x53});  // push rbx: a function start without the frame-pointer prologue
}

std::vector<uint8_t> assemble(const Spec& s, uint32_t file, Fixture& fx) {
  Code c(Fixture::kBase + kTextOff);
  c.raw({0xcc, 0xcc, 0xcc, 0xcc});  // padding before the first function, as between all functions
  for (const char* stub : {"err_put_error", "malloc", "free", "free_ex_data"}) {
    start_function(c, stub);
    c.epilogue();
  }
  start_function(c, "ssl_do_handshake");
  error_site(c, s, file, 134, 100);
  c.epilogue();

  start_function(c, "ssl_read_impl");
  c.call("ssl_do_handshake");
  error_site(c, s, file, 226, 110);
  error_site(c, s, file, 215, 111);
  c.epilogue();

  // SSL_peek-like decoy: only reason 66, but no call to ssl_read_impl.
  start_function(c, "decoy_66");
  error_site(c, s, file, 66, 115);
  c.epilogue();

  start_function(c, "ssl_read");
  c.call("ssl_read_impl");
  error_site(c, s, file, 66, 120);
  c.epilogue();

  int writes = s.duplicate_ssl_write ? 2 : 1;
  for (int w = 0; w < writes; ++w) {
    start_function(c, w == 0 ? "ssl_write" : "ssl_write_copy", !s.write_without_prologue);
    error_site(c, s, file, 66, 130);
    error_site(c, s, file, 226, 131);
    if (s.shared_error_call && w == 0) {
      error_site(c, s, file, 215, 132, true);
      error_site(c, s, file, 111, 133, true, s.missing_reason);
      c.label("shared_error_call");
      c.call("err_put_error");
    } else {
      error_site(c, s, file, 215, 132);
      error_site(c, s, file, 111, 133, false, s.missing_reason && w == 0);
    }
    c.epilogue();
  }

  start_function(c, "ssl_new");
  c.raw({0x53});  // push rbx
  error_site(c, s, file, 185, 140);
  c.mov_imm32(RDI, 0xa8);
  c.call("malloc");
  c.raw({0x48, 0x85, 0xc0});  // test rax, rax
  c.je("ssl_new_out");
  c.mov_reg64(RBX, RAX);
  c.mov_reg64(RDI, RBX);
  c.call(s.destructor_call ? "ssl_destructor" : "free");
  c.mov_reg64(RDI, RBX);
  c.call("free");
  c.label("ssl_new_out");
  c.raw({0x5b});  // pop rbx
  c.epilogue();

  // ~ssl_st: CRYPTO_free_ex_data(&g_ex_data_class_ssl, &ssl->ex_data) first.
  start_function(c, "ssl_destructor");
  c.raw({0x53});                    // push rbx
  c.mov_reg64(RBX, RDI);
  c.raw({0x48, 0x8d, 0x77, 0x78});  // lea rsi, [rdi+0x78]
  c.mov_imm32(RDI, static_cast<uint32_t>(Fixture::kBase + kDataOff + 0x10));
  c.call("free_ex_data");
  c.raw({0x5b});                    // pop rbx
  c.epilogue();
  c.pad_to_function();

  fx.ssl_write = c.address("ssl_write");
  fx.ssl_read = c.address("ssl_read");
  fx.destructor = c.address("ssl_destructor");
  return c.finish();
}

template <typename T>
void put(std::vector<uint8_t>& img, uint64_t off, const T& v) {
  if (img.size() < off + sizeof v) img.resize(off + sizeof v);
  std::memcpy(img.data() + off, &v, sizeof v);
}

}  // namespace

Fixture build(const Spec& s) {
  Fixture fx;
  // Read-only data: unrelated strings around the file name.
  std::string ro("\0GCC: (fixture)\0../../vendor/boringssl/ssl/ssl_buffer.cc\0", 57);
  uint32_t file = static_cast<uint32_t>(Fixture::kBase + kRodataOff + ro.size());
  if (s.include_string) ro += std::string(kFileName) + '\0';
  else ro += std::string("../../vendor/boringssl/ssl/ssl_cert.cc") + '\0';
  ro += std::string("tls13_both.cc") + '\0';

  std::vector<uint8_t> text = assemble(s, file, fx);
  std::string shstr("\0.note.gnu.build-id\0.rodata\0.text\0.shstrtab\0", 44);

  std::vector<uint8_t>& img = fx.image;
  img.assign(kTextOff, 0);
  std::memcpy(img.data() + kRodataOff, ro.data(), ro.size());
  img.insert(img.end(), text.begin(), text.end());
  const uint64_t shstr_off = img.size();
  img.insert(img.end(), shstr.begin(), shstr.end());
  while (img.size() % 8) img.push_back(0);
  const uint64_t shoff = img.size();

  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = s.pie ? ET_DYN : ET_EXEC;
  eh.e_machine = s.machine;
  eh.e_version = EV_CURRENT;
  eh.e_entry = fx.ssl_write;
  eh.e_phoff = sizeof(Elf64_Ehdr);
  eh.e_shoff = shoff;
  eh.e_ehsize = sizeof(Elf64_Ehdr);
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = s.build_id ? 4 : 3;
  eh.e_shentsize = sizeof(Elf64_Shdr);
  eh.e_shnum = 5;
  eh.e_shstrndx = 4;
  put(img, 0, eh);

  Elf64_Phdr ro_load{PT_LOAD, PF_R, 0, Fixture::kBase, Fixture::kBase, kDataOff, kDataOff, 0x1000};
  Elf64_Phdr data_load{PT_LOAD, PF_R | PF_W, kDataOff, Fixture::kBase + kDataOff, Fixture::kBase + kDataOff,
                       0x100, 0x100, 0x100};
  Elf64_Phdr text_load{PT_LOAD, PF_R | PF_X, kTextOff, Fixture::kBase + kTextOff, Fixture::kBase + kTextOff,
                       text.size(), text.size(), 0x1000};
  Elf64_Phdr note{PT_NOTE, PF_R, kNoteOff, Fixture::kBase + kNoteOff, Fixture::kBase + kNoteOff, 36, 36, 4};
  put(img, eh.e_phoff, ro_load);
  put(img, eh.e_phoff + sizeof(Elf64_Phdr), text_load);
  put(img, eh.e_phoff + 2 * sizeof(Elf64_Phdr), data_load);
  if (s.build_id) {
    put(img, eh.e_phoff + 3 * sizeof(Elf64_Phdr), note);
    Elf64_Nhdr nh{4, 20, NT_GNU_BUILD_ID};
    put(img, kNoteOff, nh);
    std::memcpy(img.data() + kNoteOff + sizeof nh, "GNU", 4);
    for (int i = 0; i < 20; ++i) img[kNoteOff + sizeof nh + 4 + i] = static_cast<uint8_t>(0xa0 + i);
  }

  Elf64_Shdr sh[5]{};
  sh[1] = {1, static_cast<Elf64_Word>(s.build_id ? SHT_NOTE : SHT_NULL), SHF_ALLOC, Fixture::kBase + kNoteOff, kNoteOff, 36, 0, 0, 4, 0};
  sh[2] = {20, SHT_PROGBITS, SHF_ALLOC, Fixture::kBase + kRodataOff, kRodataOff, ro.size(), 0, 0, 1, 0};
  sh[3] = {28, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, Fixture::kBase + kTextOff, kTextOff, text.size(), 0, 0, 16, 0};
  sh[4] = {34, SHT_STRTAB, 0, 0, shstr_off, shstr.size(), 0, 0, 1, 0};
  for (int i = 0; i < 5; ++i) put(img, shoff + i * sizeof(Elf64_Shdr), sh[i]);
  return fx;
}

namespace {

// One scratch directory per process, removed at exit.
struct ScratchDir {
  std::string path;
  ScratchDir() {
    char tmpl[] = "/tmp/bssl-fixtures-XXXXXX";
    const char* d = mkdtemp(tmpl);
    if (!d) throw std::runtime_error("mkdtemp failed");
    path = d;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

std::string temp_dir() {
  static ScratchDir dir;
  return dir.path;
}

std::string write_temp(const std::vector<uint8_t>& image, const std::string& name) {
  std::string path = temp_dir() + "/" + name;
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(image.data()), static_cast<std::streamsize>(image.size()));
  }
  std::rename(tmp.c_str(), path.c_str());  // a fresh inode: cached identities never alias
  return path;
}

}  // namespace bssl_fixture
