#include "symbolizer/kernel_symbols.h"

#include <charconv>
#include <fstream>
#include <sstream>

namespace agentprof::symbolizer {
namespace {

// kallsyms has no sizes: a symbol runs to the next one. Bound the last one (and any symbol before a
// gap) so an address far past the end of kernel text is not blamed on it.
constexpr uint64_t kMaxKernelSymbolSize = 1 << 20;

bool is_text_type(char type) { return type == 't' || type == 'T' || type == 'w' || type == 'W'; }

}  // namespace

bool KernelSymbols::load_text(std::string text) {
  text_ = std::move(text);
  table_ = SymbolTable();
  malformed_ = 0;
  problem_.clear();
  bool saw_zero_addresses = false;
  std::string_view rest = text_;
  while (!rest.empty()) {
    size_t eol = rest.find('\n');
    std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
    if (line.empty()) continue;
    uint64_t address = 0;
    auto parsed = std::from_chars(line.data(), line.data() + line.size(), address, 16);
    std::string_view after(parsed.ptr, line.data() + line.size() - parsed.ptr);
    if (parsed.ec != std::errc() || after.size() < 4 || after[0] != ' ' || after[2] != ' ') {
      ++malformed_;
      continue;
    }
    char type = after[1];
    std::string_view name_and_module = after.substr(3);  // "name" or "name\t[module]"
    if (!is_text_type(type) || name_and_module.empty()) continue;
    if (address == 0) {
      saw_zero_addresses = true;
      continue;
    }
    table_.add(address, 0, name_and_module,
               type == 'T' ? SymbolRank::kGlobal : type == 'W' || type == 'w' ? SymbolRank::kWeak : SymbolRank::kLocal);
  }
  table_.finalize();
  table_.extend_sizes_to_next(kMaxKernelSymbolSize);
  if (table_.empty()) {
    problem_ = saw_zero_addresses ? "kernel addresses are hidden (kptr_restrict); run as root or with CAP_SYSLOG"
                                  : "no kernel text symbols found";
    return false;
  }
  return true;
}

bool KernelSymbols::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    // Keep a table loaded earlier: a failed refresh should not lose kernel names.
    if (table_.empty()) problem_ = "cannot read " + path;
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return load_text(buffer.str());
}

std::optional<KernelSymbols::Hit> KernelSymbols::find(uint64_t address) const {
  auto index = table_.find(address);
  if (!index) return std::nullopt;
  const Symbol& symbol = table_.at(*index);
  if (address - symbol.address >= kMaxKernelSymbolSize) return std::nullopt;
  Hit hit{symbol.name, {}, address - symbol.address};
  if (auto tab = symbol.name.find('\t'); tab != std::string_view::npos) {
    hit.name = symbol.name.substr(0, tab);
    std::string_view module = symbol.name.substr(tab + 1);
    if (module.size() >= 2 && module.front() == '[' && module.back() == ']') {
      module = module.substr(1, module.size() - 2);
    }
    hit.module = module;
  }
  return hit;
}

}  // namespace agentprof::symbolizer
