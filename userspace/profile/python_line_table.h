// CPython 3.11+ location table (co_linetable, "Objects/locations.md" in CPython's sources): maps a
// code unit index to its source line. Decoded in userspace from bytes read out of the process.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace agentprof::profile {

// Line of code unit `index` (instruction offset / 2), starting from the code object's first line.
// nullopt when the table has no line for it or is malformed (the caller falls back to the first line).
std::optional<uint32_t> python_line_for(std::span<const uint8_t> table, int32_t first_line, int64_t index);

}  // namespace agentprof::profile
