#pragma once
// .gnu_debugdata ("MiniDebugInfo"): an xz-compressed ELF holding the .symtab of a stripped binary.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentprof::symbolizer {

// Decompresses an .xz stream. nullopt (with `error`) on corrupt input or when the output would exceed
// `max_output` bytes — a small compressed section must not be able to claim unbounded memory.
std::optional<std::vector<char>> xz_decompress(std::string_view compressed, std::string* error,
                                               size_t max_output = size_t{512} << 20);

}  // namespace agentprof::symbolizer
