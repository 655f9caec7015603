// Writes each span as one JSON object per line (JSON Lines), flushed per span so a reader or
// `tail -f` sees every completed call immediately. Line format:
//   {"trace_id":"<32 hex>","span_id":"<16 hex>","parent_span_id":"" | "<16 hex>","name":...,
//    "kind":"client"|"server"|"internal","start_time_unix_nano":N,"end_time_unix_nano":N,
//    "status":"ok"|"error"[,"status_message":"..." when non-empty],"attributes":{key: value}}
// Attribute values keep their type: string, integer, float (always with '.' or exponent), bool,
// array of strings.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>

#include "trace/span_sink.h"

namespace agentprof {

class JsonlWriter : public SpanSink {
 public:
  // Writes to `out`, which the caller keeps open for the writer's lifetime.
  explicit JsonlWriter(FILE* out);
  ~JsonlWriter() override;
  JsonlWriter(const JsonlWriter&) = delete;
  JsonlWriter& operator=(const JsonlWriter&) = delete;

  // Opens `path` for appending ("-" = stdout). nullptr with *error set when it cannot be opened.
  static std::unique_ptr<JsonlWriter> open(const std::string& path, std::string* error);

  void on_span(const Span& span) override;

  uint64_t spans_written() const;
  uint64_t write_errors() const;  // spans that failed to write or flush (disk full, closed pipe)

  // The JSON text of one span, without the trailing newline.
  static std::string to_json(const Span& span);

 private:
  FILE* out_;
  bool owns_ = false;
  mutable std::mutex mu_;
  uint64_t written_ = 0;
  uint64_t errors_ = 0;
};

}  // namespace agentprof
