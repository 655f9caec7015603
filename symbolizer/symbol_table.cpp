#include "symbolizer/symbol_table.h"

#include <algorithm>

namespace agentprof::symbolizer {
namespace {

// Names starting with underscores are usually internal aliases (__GI_memcpy, __libc_malloc); prefer
// the public spelling when two names share an address and a rank.
int leading_underscores(std::string_view name) {
  int count = 0;
  while (count < static_cast<int>(name.size()) && name[count] == '_') ++count;
  return count;
}

// How many entries before the candidate a lookup inspects for an enclosing symbol (a function whose
// range contains smaller symbols, e.g. local labels given FUNC type in assembly).
constexpr int kEnclosingScan = 16;

// One coarse index entry per this many symbols.
constexpr size_t kStride = 32;

}  // namespace

void SymbolTable::add(uint64_t address, uint64_t size, std::string_view name, SymbolRank rank) {
  if (name.empty()) return;
  if (size != 0 && address + size < address) size = ~uint64_t{0} - address;  // clamp wrap-around
  pending_.push_back({{address, size, name}, rank});
}

void SymbolTable::finalize() {
  std::sort(pending_.begin(), pending_.end(), [](const Pending& a, const Pending& b) {
    if (a.symbol.address != b.symbol.address) return a.symbol.address < b.symbol.address;
    if ((a.symbol.size != 0) != (b.symbol.size != 0)) return a.symbol.size != 0;
    if (a.rank != b.rank) return a.rank > b.rank;
    int ua = leading_underscores(a.symbol.name), ub = leading_underscores(b.symbol.name);
    if (ua != ub) return ua < ub;
    if (a.symbol.name.size() != b.symbol.name.size()) return a.symbol.name.size() < b.symbol.name.size();
    return a.symbol.name < b.symbol.name;
  });
  symbols_.clear();
  symbols_.reserve(pending_.size());
  for (const Pending& p : pending_) {
    if (!symbols_.empty() && symbols_.back().address == p.symbol.address) {
      // Same function seen again (alias, or .symtab + .dynsym): keep the first, widest size wins.
      symbols_.back().size = std::max(symbols_.back().size, p.symbol.size);
      continue;
    }
    symbols_.push_back(p.symbol);
  }
  pending_.clear();
  pending_.shrink_to_fit();
  build_index();
}

void SymbolTable::build_index() {
  max_size_ = 0;
  starts_.clear();
  coarse_.clear();
  starts_.reserve(symbols_.size());
  for (const Symbol& s : symbols_) {
    max_size_ = std::max(max_size_, s.size);
    starts_.push_back(s.address);
  }
  for (size_t i = 0; i < starts_.size(); i += kStride) coarse_.push_back(starts_[i]);
}

std::optional<uint32_t> SymbolTable::find(uint64_t address) const {
  // First coarse block whose first start is > address; the answer lies in the block before it.
  size_t block = std::upper_bound(coarse_.begin(), coarse_.end(), address) - coarse_.begin();
  if (block == 0) return std::nullopt;
  auto block_begin = starts_.begin() + (block - 1) * kStride;
  auto block_end = starts_.begin() + std::min(starts_.size(), block * kStride);
  // `next` is the first symbol starting after `address`; candidates start before it.
  size_t next = std::upper_bound(block_begin, block_end, address) - starts_.begin();
  for (int scanned = 0; next > 0 && scanned < kEnclosingScan; ++scanned) {
    const Symbol& s = symbols_[--next];
    uint64_t delta = address - s.address;
    if (delta < s.size || (s.size == 0 && delta == 0)) return static_cast<uint32_t>(next);
    if (delta >= max_size_) break;  // nothing further back can be long enough to reach `address`
  }
  return std::nullopt;
}

void SymbolTable::extend_sizes_to_next(uint64_t last_size) {
  for (size_t i = 0; i < symbols_.size(); ++i) {
    if (i + 1 < symbols_.size()) {
      symbols_[i].size = symbols_[i + 1].address - symbols_[i].address;
    } else {
      symbols_[i].size = last_size;
    }
  }
  build_index();
}

}  // namespace agentprof::symbolizer
