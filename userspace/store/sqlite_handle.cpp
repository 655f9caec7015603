#include "store/sqlite_handle.h"

namespace agentprof {

SqliteDb::~SqliteDb() {
  if (db_) sqlite3_close_v2(db_);
}

bool SqliteDb::open(const std::string& path, int flags, std::string* error) {
  if (sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    if (error) *error = "cannot open store " + path + ": " + last_error();
    sqlite3_close_v2(db_);
    db_ = nullptr;
    return false;
  }
  sqlite3_busy_timeout(db_, 5000);  // a reader and the writer may meet on a checkpoint
  return true;
}

bool SqliteDb::exec(const char* sql, std::string* error) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) == SQLITE_OK) return true;
  if (error) *error = message ? message : last_error();
  sqlite3_free(message);
  return false;
}

std::optional<int64_t> SqliteDb::query_int(const char* sql, std::string* error) {
  SqliteStatement stmt;
  if (!stmt.prepare(*this, sql, error)) return std::nullopt;
  if (stmt.step() != SQLITE_ROW) {
    if (error) *error = last_error();
    return std::nullopt;
  }
  return sqlite3_column_int64(stmt.get(), 0);
}

SqliteStatement::~SqliteStatement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

bool SqliteStatement::prepare(SqliteDb& db, const char* sql, std::string* error) {
  if (sqlite3_prepare_v2(db.get(), sql, -1, &stmt_, nullptr) == SQLITE_OK) return true;
  if (error) *error = db.last_error();
  return false;
}

}  // namespace agentprof
