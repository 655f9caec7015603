#include "symbolizer/demangle.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

namespace agentprof::symbolizer {

std::string demangle(std::string_view name) {
  // Only Itanium-mangled names start with _Z; handing C names to the demangler wastes time and can
  // turn short C names into type names.
  if (name.size() < 3 || name.substr(0, 2) != "_Z") return std::string(name);
  // Versioned dynamic symbols ("_ZN3foo3barEv@@LIB_1.0") and clone suffixes (".cold", ".isra.0") are
  // handled by the demangler itself except the '@' version tag, which we strip and re-append.
  std::string_view base = name;
  std::string_view version;
  if (auto at = name.find('@'); at != std::string_view::npos) {
    base = name.substr(0, at);
    version = name.substr(at);
  }
  std::string mangled(base);
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> out(
      abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status), &std::free);
  if (status != 0 || !out) return std::string(name);
  std::string result(out.get());
  result.append(version);
  return result;
}

}  // namespace agentprof::symbolizer
