// Reads spans back from the JSONL written by JsonlWriter (used by `agentprof report` and tests).
// Strict on the envelope (ids, name, kind, times, status must be present and well-formed) so a
// garbled line is rejected with a reason instead of being counted with wrong numbers; lenient on
// attributes: values of a type spans never carry (objects, null, non-string arrays) are skipped
// and counted.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "trace/span.h"

namespace agentprof {

class JsonlSpanReader {
 public:
  JsonlSpanReader();
  ~JsonlSpanReader();
  JsonlSpanReader(const JsonlSpanReader&) = delete;
  JsonlSpanReader& operator=(const JsonlSpanReader&) = delete;

  // Parses one line (without its newline). On failure returns false and sets *error to a short
  // reason; `out` is then unspecified. Integers above INT64_MAX become doubles.
  bool parse(std::string_view line, Span& out, std::string* error);

  uint64_t skipped_attributes() const { return skipped_attributes_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint64_t skipped_attributes_ = 0;
};

}  // namespace agentprof
