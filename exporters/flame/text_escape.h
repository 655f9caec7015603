// Escaping profile strings (symbol names, paths, process names) for the text formats we write.
// Names come from binaries and /proc, so they may hold any byte: every function here yields valid
// UTF-8, replacing each invalid sequence with U+FFFD, so XML and JSON readers never reject a file.
#pragma once

#include <string>
#include <string_view>

namespace agentprof::flame {

// True when `text` is valid UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
bool is_valid_utf8(std::string_view text);

// `text` with each maximal invalid UTF-8 subsequence replaced by U+FFFD.
std::string to_valid_utf8(std::string_view text);

// Appends `text` escaped for XML character data and attribute values (either quote). Control
// characters XML 1.0 forbids become U+FFFD; tab and newline are kept.
void append_xml_escaped(std::string& out, std::string_view text);

// Appends `text` as a quoted JSON string.
void append_json_quoted(std::string& out, std::string_view text);

}  // namespace agentprof::flame
