// The embedded store's SQLite schema. One row per span: the columns queries filter and aggregate on
// (time, provider, model, process, pid, status, tokens, cost, duration, time to first chunk), and
// the full span as the same JSON object JsonlWriter writes, so nothing is lost and `agentprof report`
// can read spans back exactly as from a JSONL file. Version 1; a store written by a newer schema is
// refused rather than misread.
#pragma once

#include <string>

#include "store/sqlite_handle.h"

namespace agentprof {

inline constexpr int kStoreSchemaVersion = 1;

// Creates the schema in an empty database, or checks an existing one's version. Sets WAL mode and
// incremental auto-vacuum (so size retention can return pages to the file system) when `writable`.
bool prepare_store_schema(SqliteDb& db, bool writable, std::string* error);

// Column order of the insert statement (1-based bind indices follow this order).
inline constexpr const char* kInsertSpanSql =
    "INSERT INTO spans (start_ns, end_ns, trace_id, span_id, operation, provider, model, process, pid,"
    " error, error_type, input_tokens, output_tokens, cost_usd, duration_s, ttft_s, span_json)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";

}  // namespace agentprof
