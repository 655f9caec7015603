#include "store/store_schema.h"

namespace agentprof {

namespace {

constexpr const char* kCreateSchemaSql = R"sql(
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE spans (
  id INTEGER PRIMARY KEY,
  start_ns INTEGER NOT NULL,      -- span start, Unix ns
  end_ns INTEGER NOT NULL,
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  operation TEXT,                 -- gen_ai.operation.name
  provider TEXT,                  -- gen_ai.provider.name
  model TEXT,                     -- gen_ai.response.model, else gen_ai.request.model
  process TEXT,                   -- process.executable.name
  pid INTEGER,                    -- process.pid
  error INTEGER NOT NULL,         -- 1 when the span's status is error
  error_type TEXT,                -- error.type
  input_tokens INTEGER,           -- NULL when unknown, never 0 for unknown
  output_tokens INTEGER,
  cost_usd REAL,                  -- NULL when unpriced
  duration_s REAL,                -- NULL when agentprof.timing.missing
  ttft_s REAL,                    -- gen_ai.response.time_to_first_chunk
  span_json TEXT NOT NULL         -- the span as one JsonlWriter line
);
CREATE INDEX spans_by_start ON spans (start_ns);
CREATE INDEX spans_by_provider ON spans (provider, start_ns);
CREATE INDEX spans_by_model ON spans (model, start_ns);
CREATE INDEX spans_by_process ON spans (process, start_ns);
CREATE INDEX spans_by_pid ON spans (pid, start_ns);
)sql";

bool table_exists(SqliteDb& db, const char* name, bool& exists, std::string* error) {
  SqliteStatement stmt;
  if (!stmt.prepare(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1", error))
    return false;
  stmt.bind_text(1, name);
  if (stmt.step() != SQLITE_ROW) {
    if (error) *error = db.last_error();
    return false;
  }
  exists = sqlite3_column_int64(stmt.get(), 0) > 0;
  return true;
}

bool check_version(SqliteDb& db, std::string* error) {
  std::optional<int64_t> version = db.query_int("SELECT max(version) FROM schema_version", error);
  if (!version) return false;
  if (*version == kStoreSchemaVersion) return true;
  if (error)
    *error = "store schema version " + std::to_string(*version) + " is not the supported version " +
             std::to_string(kStoreSchemaVersion) + (*version > kStoreSchemaVersion ? " (written by a newer agentprof)" : "");
  return false;
}

}  // namespace

bool prepare_store_schema(SqliteDb& db, bool writable, std::string* error) {
  std::string why;
  if (writable) {
    // page_size and auto_vacuum only take effect before the first table exists; harmless afterwards.
    // Large pages suit rows of ~1 KiB of JSON; a 64 MiB cache and rarer checkpoints (WAL up to
    // 64 MiB, truncated back to that after a checkpoint) keep index pages from being written again
    // and again at high insert rates.
    if (!db.exec("PRAGMA page_size = 16384; PRAGMA auto_vacuum = INCREMENTAL; PRAGMA cache_size = -65536",
                 &why)) {
      if (error) *error = "store setup failed: " + why;
      return false;
    }
    SqliteStatement wal;
    if (!wal.prepare(db, "PRAGMA journal_mode = WAL", &why) || wal.step() != SQLITE_ROW ||
        std::string(reinterpret_cast<const char*>(sqlite3_column_text(wal.get(), 0))) != "wal") {
      if (error) *error = "store cannot use WAL mode: " + (why.empty() ? db.last_error() : why);
      return false;
    }
    if (!db.exec("PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 4096;"
                 " PRAGMA journal_size_limit = 67108864", &why)) {
      if (error) *error = "store setup failed: " + why;
      return false;
    }
  }
  bool has_version = false, has_spans = false;
  if (!table_exists(db, "schema_version", has_version, &why) || !table_exists(db, "spans", has_spans, &why)) {
    if (error) *error = "not a readable store: " + why;
    return false;
  }
  if (has_version) {
    if (!check_version(db, &why)) {
      if (error) *error = why;
      return false;
    }
    return true;
  }
  if (has_spans || !writable) {
    if (error) *error = has_spans ? "not an agentprof store (spans table without schema_version)"
                                  : "store is empty (no schema yet)";
    return false;
  }
  std::string sql = std::string("BEGIN;") + kCreateSchemaSql + "INSERT INTO schema_version VALUES (" +
                    std::to_string(kStoreSchemaVersion) + ");COMMIT;";
  if (!db.exec(sql.c_str(), &why)) {
    db.exec("ROLLBACK", nullptr);
    if (error) *error = "cannot create the store schema: " + why;
    return false;
  }
  return true;
}

}  // namespace agentprof
