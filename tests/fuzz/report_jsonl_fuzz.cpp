// Fuzzes the JSONL span reader that `agentprof report` uses: any input line must either be
// rejected with a reason or yield a span that writes back to JSONL and re-reads identically.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "exporters/jsonl/jsonl_span_reader.h"
#include "exporters/jsonl/jsonl_writer.h"

using namespace agentprof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static JsonlSpanReader reader;
  static JsonlSpanReader rereader;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  while (!input.empty()) {
    size_t nl = input.find('\n');
    std::string_view line = input.substr(0, nl);
    input = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);

    Span span;
    std::string error;
    if (!reader.parse(line, span, &error)) {
      if (error.empty()) std::abort();  // a rejection must say why
      continue;
    }
    std::string json = JsonlWriter::to_json(span);
    Span again;
    if (!rereader.parse(json, again, &error)) std::abort();
    if (!(again == span)) std::abort();
  }
  return 0;
}
