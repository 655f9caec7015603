// SSE, NDJSON and JSON-array framers on arbitrary bytes split at arbitrary points: the first byte
// picks the split size, and the events must be the same as when fed in one piece.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "http/json_array_stream_parser.h"
#include "http/ndjson_parser.h"
#include "http/sse_parser.h"

using namespace agentprof;

namespace {

template <class Parser>
std::vector<std::string> run_line_parser(std::span<const uint8_t> in, size_t piece, bool sse) {
  std::vector<std::string> out;
  if (sse) {
    SseParser p([&](std::string_view e, std::string_view d, std::string_view id) {
      if (d.size() > 256 || e.size() > 256) abort();  // cap respected
      out.push_back(std::string(e) + '\x01' + std::string(d) + '\x01' + std::string(id));
    }, 256);
    for (size_t i = 0; i < in.size(); i += piece) p.feed(in.subspan(i, std::min(piece, in.size() - i)));
    p.finish(true);
  } else {
    Parser p([&](std::string_view l) {
      if (l.size() > 256) abort();
      out.emplace_back(l);
    }, 256);
    for (size_t i = 0; i < in.size(); i += piece) p.feed(in.subspan(i, std::min(piece, in.size() - i)));
    if constexpr (std::is_same_v<Parser, NdjsonParser>) p.finish(true);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  size_t piece = 1 + data[0] % 17;
  std::span<const uint8_t> in(data + 1, size - 1);
  if (run_line_parser<NdjsonParser>(in, piece, true) != run_line_parser<NdjsonParser>(in, in.size() + 1, true)) abort();
  if (run_line_parser<NdjsonParser>(in, piece, false) != run_line_parser<NdjsonParser>(in, in.size() + 1, false))
    abort();
  if (run_line_parser<JsonArrayStreamParser>(in, piece, false) !=
      run_line_parser<JsonArrayStreamParser>(in, in.size() + 1, false))
    abort();
  return 0;
}
