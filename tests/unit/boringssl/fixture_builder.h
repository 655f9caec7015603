// Builds tiny x86-64 ELF executables shaped like a stripped static BoringSSL build: a read-only
// ".../ssl/ssl_lib.cc" string, ERR_put_error-style call sites loading it as an absolute immediate,
// and the functions the locator must name (SSL_write, SSL_read, ssl_read_impl, SSL_do_handshake,
// SSL_new, the ssl_st destructor), plus variants that must be refused.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace bssl_fixture {

// Just enough of an assembler for the fixtures: raw bytes, labels and rel32 fixups.
class Code {
 public:
  explicit Code(uint64_t base) : base_(base) {}
  uint64_t here() const { return base_ + bytes_.size(); }
  void label(const std::string& name) { labels_[name] = here(); }
  uint64_t address(const std::string& name) const { return labels_.at(name); }
  void raw(std::initializer_list<uint8_t> b) { bytes_.insert(bytes_.end(), b); }
  void imm32(uint32_t v);
  void pad_to_function();  // int3 up to the next 16-byte boundary
  void prologue() { raw({0x55, 0x48, 0x89, 0xe5}); }
  void epilogue() { raw({0x5d, 0xc3}); }
  void mov_imm32(int reg, uint32_t imm);       // mov r32, imm32 (REX.B for r8-r15)
  void mov_imm_sx64(int reg, uint32_t imm);    // mov r64, simm32 (48|49 c7 c0+r)
  void xor_self(int reg);                      // xor r32, r32
  void mov_reg64(int dst, int src);            // mov r64, r64
  void call(const std::string& target);
  void jmp(const std::string& target);
  void je(const std::string& target);
  std::vector<uint8_t> finish() const;         // bytes with every fixup resolved

 private:
  void rel32(uint8_t opcode_len_hint, const std::string& target);
  uint64_t base_;
  std::vector<uint8_t> bytes_;
  std::map<std::string, uint64_t> labels_;
  std::vector<std::pair<size_t, std::string>> fixups_;  // position of rel32, target label
};

enum Reg { RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7, R8 = 8 };

struct Spec {
  bool func_zero_order = true;       // ERR_put_error(lib, 0, reason, file, line) vs (lib, reason, file, line)
  bool file_reg_64bit = false;       // file pointer via 48 c7 c1 imm32 instead of b9 imm32
  bool shared_error_call = true;     // SSL_write's last two sites jump to one shared call
  bool duplicate_ssl_write = false;  // a second function with SSL_write's reason codes
  bool missing_reason = false;       // SSL_write's BAD_LENGTH site loads its reason from memory
  bool write_without_prologue = false;
  bool destructor_call = true;       // SSL_new cleans up through the destructor
  bool include_string = true;
  bool build_id = true;
  bool pie = false;                  // ET_DYN
  uint16_t machine = 62;             // EM_X86_64
};

struct Fixture {
  std::vector<uint8_t> image;
  uint64_t ssl_write = 0, ssl_read = 0, destructor = 0;  // vaddrs
  static constexpr uint64_t kBase = 0x400000;            // vaddr of file offset 0
  static uint64_t offset_of(uint64_t vaddr) { return vaddr - kBase; }
};

Fixture build(const Spec& spec);
std::string temp_dir();  // per-process scratch directory, removed at exit
std::string write_temp(const std::vector<uint8_t>& image, const std::string& name);  // path in temp_dir()

}  // namespace bssl_fixture
