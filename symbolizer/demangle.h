#pragma once
// Demangling of C++ (Itanium ABI) symbol names.
#include <string>
#include <string_view>

namespace agentprof::symbolizer {

// Returns the demangled form of `name`, or `name` unchanged when it is not a mangled C++ name or
// cannot be demangled (never throws, never returns an empty string for a non-empty input).
std::string demangle(std::string_view name);

}  // namespace agentprof::symbolizer
