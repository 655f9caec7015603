#pragma once
// Address-sorted function symbols with sizes; the lookup core shared by ELF modules and kallsyms.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace agentprof::symbolizer {

struct Symbol {
  uint64_t address = 0;
  uint64_t size = 0;       // 0: size unknown (such a symbol covers only its exact address)
  std::string_view name;   // storage is owned by whoever owns the table (mapped file, text buffer)
};

// How strongly a symbol should win over another one at the same address (aliases such as
// memcpy / __memcpy_avx_unaligned_erms, or a .dynsym and .symtab copy of the same function).
enum class SymbolRank : uint8_t { kLocal = 0, kWeak = 1, kGlobal = 2 };

class SymbolTable {
 public:
  void add(uint64_t address, uint64_t size, std::string_view name, SymbolRank rank);
  // Sorts and collapses aliases: one entry per address, keeping the sized, highest-ranked name.
  // Must be called once after the last add() and before lookups.
  void finalize();

  // The symbol covering `address` (address in [start, start + size)), or nullopt. An address past a
  // symbol's size is never attributed to it, even when no other symbol follows.
  std::optional<uint32_t> find(uint64_t address) const;
  const Symbol& at(uint32_t index) const { return symbols_[index]; }
  size_t size() const { return symbols_.size(); }
  bool empty() const { return symbols_.empty(); }

  // For tables without sizes (kallsyms): each symbol extends to the next one's start, the last one
  // by at most `last_size` bytes. Call after finalize().
  void extend_sizes_to_next(uint64_t last_size);

 private:
  struct Pending {
    Symbol symbol;
    SymbolRank rank;
  };
  std::vector<Pending> pending_;
  void build_index();

  std::vector<Symbol> symbols_;
  // Lookup acceleration: start addresses alone (dense, cache-friendly) plus every kStride-th of them
  // (small enough to stay in cache), so a lookup touches a few cache lines instead of ~17 random ones.
  std::vector<uint64_t> starts_;
  std::vector<uint64_t> coarse_;
  // Longest symbol size seen: bounds how far back a lookup must look for an enclosing symbol.
  uint64_t max_size_ = 0;
};

}  // namespace agentprof::symbolizer
