#pragma once
// Kernel text symbols from /proc/kallsyms ("ADDR TYPE NAME [MODULE]"), sorted once, refreshed on
// demand (modules load and unload).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "symbolizer/symbol_table.h"

namespace agentprof::symbolizer {

class KernelSymbols {
 public:
  struct Hit {
    std::string_view name;
    std::string_view module;  // "" for the core kernel, else the module name (without brackets)
    uint64_t offset;
  };

  // Parses kallsyms text (copied). Returns false when it holds no usable text symbol — e.g. every
  // address reads as 0 because kptr_restrict hides them from this process.
  bool load_text(std::string text);
  // Returns false when the file cannot be read (a previously loaded table is kept) or holds no usable
  // text symbol.
  bool load_file(const std::string& path);

  std::optional<Hit> find(uint64_t address) const;
  bool available() const { return !table_.empty(); }
  size_t size() const { return table_.size(); }
  uint64_t malformed_lines() const { return malformed_; }
  // Why `available()` is false, for the user.
  const std::string& problem() const { return problem_; }

 private:
  std::string text_;  // names and modules point into this buffer
  SymbolTable table_;
  uint64_t malformed_ = 0;
  std::string problem_;
};

}  // namespace agentprof::symbolizer
