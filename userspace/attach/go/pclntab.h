// Reader of Go's function table (.gopclntab): function names and entry addresses, which the Go
// linker keeps even in binaries stripped with -ldflags='-s -w' (the runtime needs it for stacks).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace agentprof::gotls {

// Header layouts by magic number (the Go release that introduced them).
enum class PclntabVersion { kUnknown, kGo116, kGo118, kGo120 };

struct GoFunction {
  uint64_t entry = 0;  // virtual address
  uint64_t end = 0;    // next function's entry (includes alignment padding)
};

class Pclntab {
 public:
  // Parses `table` (the whole .gopclntab contents). `text_fallback` is used as the text start when
  // the header's is zero (relocated at load time in PIE builds). False + error() on bad input.
  bool parse(std::vector<uint8_t> table, uint64_t text_fallback);
  const std::string& error() const { return error_; }
  PclntabVersion version() const { return version_; }
  uint64_t function_count() const { return nfunc_; }

  // The function named exactly `name`; nullopt if absent (or the table entry is malformed).
  std::optional<GoFunction> find(const std::string& name) const;

 private:
  bool read_word(uint64_t offset, uint64_t& out) const;
  bool read_u32(uint64_t offset, uint32_t& out) const;
  bool function_at(uint64_t index, uint64_t& entry, uint64_t& func_offset) const;
  bool name_equals(uint64_t name_offset, const std::string& name) const;

  std::vector<uint8_t> data_;
  std::string error_;
  PclntabVersion version_ = PclntabVersion::kUnknown;
  uint8_t ptr_size_ = 8;
  uint64_t nfunc_ = 0;
  uint64_t text_start_ = 0;
  uint64_t funcname_off_ = 0;
  uint64_t functab_off_ = 0;  // also the base of _func offsets
};

// Which header a 4-byte magic (little-endian) denotes.
PclntabVersion pclntab_version_from_magic(uint32_t magic);

}  // namespace agentprof::gotls
