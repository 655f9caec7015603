#include "attach/go/pclntab.h"

#include <cstring>

namespace agentprof::gotls {

namespace {
constexpr uint32_t kMagic116 = 0xfffffffa;
constexpr uint32_t kMagic118 = 0xfffffff0;
constexpr uint32_t kMagic120 = 0xfffffff1;
// No real Go program has more functions than this; a larger count means a corrupt header.
constexpr uint64_t kMaxFunctions = 1ull << 24;
}  // namespace

PclntabVersion pclntab_version_from_magic(uint32_t magic) {
  switch (magic) {
    case kMagic116: return PclntabVersion::kGo116;
    case kMagic118: return PclntabVersion::kGo118;
    case kMagic120: return PclntabVersion::kGo120;
    default: return PclntabVersion::kUnknown;
  }
}

bool Pclntab::read_u32(uint64_t offset, uint32_t& out) const {
  if (offset > data_.size() || data_.size() - offset < 4) return false;
  std::memcpy(&out, data_.data() + offset, 4);
  return true;
}

bool Pclntab::read_word(uint64_t offset, uint64_t& out) const {
  if (offset > data_.size() || data_.size() - offset < ptr_size_) return false;
  if (ptr_size_ == 8) {
    std::memcpy(&out, data_.data() + offset, 8);
  } else {
    uint32_t v;
    std::memcpy(&v, data_.data() + offset, 4);
    out = v;
  }
  return true;
}

bool Pclntab::parse(std::vector<uint8_t> table, uint64_t text_fallback) {
  data_ = std::move(table);
  uint32_t magic = 0;
  if (!read_u32(0, magic) || data_.size() < 8) {
    error_ = "pclntab shorter than its header";
    return false;
  }
  version_ = pclntab_version_from_magic(magic);
  if (version_ == PclntabVersion::kUnknown) {
    error_ = "unknown pclntab magic (Go older than 1.16 or not a Go binary)";
    return false;
  }
  // Bytes 4..5 are zero, 6 is the PC quantum (1 on x86), 7 the pointer size.
  if (data_[4] != 0 || data_[5] != 0 || data_[6] != 1 || (data_[7] != 8 && data_[7] != 4)) {
    error_ = "pclntab header is not for x86 (quantum/pointer size)";
    return false;
  }
  ptr_size_ = data_[7];
  const uint64_t w = ptr_size_;
  uint64_t funcdata_off = 0;
  bool ok = read_word(8, nfunc_);
  if (version_ == PclntabVersion::kGo116) {
    // nfunc, nfiles, funcnameOffset, cuOffset, filetabOffset, pctabOffset, pclnOffset.
    ok = ok && read_word(8 + 2 * w, funcname_off_) && read_word(8 + 6 * w, funcdata_off);
    text_start_ = 0;  // 1.16 function table holds absolute addresses
  } else {
    // nfunc, nfiles, textStart, funcnameOffset, cuOffset, filetabOffset, pctabOffset, pclnOffset.
    ok = ok && read_word(8 + 2 * w, text_start_) && read_word(8 + 3 * w, funcname_off_) &&
         read_word(8 + 7 * w, funcdata_off);
    if (ok && text_start_ == 0) text_start_ = text_fallback;
  }
  if (!ok) {
    error_ = "pclntab header truncated";
    return false;
  }
  functab_off_ = funcdata_off;
  if (nfunc_ == 0 || nfunc_ > kMaxFunctions) {
    error_ = "pclntab function count out of range";
    return false;
  }
  if (funcname_off_ >= data_.size() || functab_off_ >= data_.size()) {
    error_ = "pclntab offsets point outside the table";
    return false;
  }
  // The function table holds nfunc+1 entries (the last gives the end of the last function).
  uint64_t entry_size = version_ == PclntabVersion::kGo116 ? 2 * w : 8;
  if ((data_.size() - functab_off_) / entry_size < nfunc_ + 1) {
    error_ = "pclntab function table truncated";
    return false;
  }
  return true;
}

bool Pclntab::function_at(uint64_t index, uint64_t& entry, uint64_t& func_offset) const {
  if (version_ == PclntabVersion::kGo116) {
    uint64_t base = functab_off_ + index * 2 * ptr_size_;
    return read_word(base, entry) && read_word(base + ptr_size_, func_offset);
  }
  uint32_t entry_off = 0, foff = 0;
  uint64_t base = functab_off_ + index * 8;
  if (!read_u32(base, entry_off) || !read_u32(base + 4, foff)) return false;
  entry = text_start_ + entry_off;
  func_offset = foff;
  return true;
}

bool Pclntab::name_equals(uint64_t name_offset, const std::string& name) const {
  uint64_t at = funcname_off_ + name_offset;
  if (at < funcname_off_ || at > data_.size() || data_.size() - at < name.size() + 1) return false;
  return std::memcmp(data_.data() + at, name.data(), name.size()) == 0 && data_[at + name.size()] == 0;
}

std::optional<GoFunction> Pclntab::find(const std::string& name) const {
  for (uint64_t i = 0; i < nfunc_; i++) {
    uint64_t entry = 0, foff = 0;
    if (!function_at(i, entry, foff)) return std::nullopt;
    // _func starts with the entry (uintptr in 1.16, uint32 offset later) then int32 nameOff.
    uint64_t func_at = functab_off_ + foff;
    if (func_at < functab_off_) continue;
    uint64_t name_field = func_at + (version_ == PclntabVersion::kGo116 ? ptr_size_ : 4);
    uint32_t name_off = 0;
    if (!read_u32(name_field, name_off)) continue;
    if (!name_equals(name_off, name)) continue;
    uint64_t next_entry = 0, unused = 0;
    if (!function_at(i + 1, next_entry, unused) || next_entry <= entry) return std::nullopt;
    return GoFunction{entry, next_entry};
  }
  return std::nullopt;
}

}  // namespace agentprof::gotls
