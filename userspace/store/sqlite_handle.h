// Minimal RAII over the SQLite C API: a connection and a prepared statement. Errors are returned as
// text (sqlite3_errmsg) for the caller to report; nothing here throws.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace agentprof {

class SqliteDb {
 public:
  SqliteDb() = default;
  ~SqliteDb();
  SqliteDb(SqliteDb&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  SqliteDb& operator=(SqliteDb&&) = delete;
  SqliteDb(const SqliteDb&) = delete;

  // flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, or SQLITE_OPEN_READONLY.
  bool open(const std::string& path, int flags, std::string* error);
  // Runs one or more statements without results. False with *error on failure.
  bool exec(const char* sql, std::string* error);
  // The first column of the first row of a query returning one integer (PRAGMA page_count...).
  std::optional<int64_t> query_int(const char* sql, std::string* error);

  sqlite3* get() const { return db_; }
  std::string last_error() const { return db_ ? sqlite3_errmsg(db_) : "no database"; }

 private:
  sqlite3* db_ = nullptr;
};

class SqliteStatement {
 public:
  SqliteStatement() = default;
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  bool prepare(SqliteDb& db, const char* sql, std::string* error);
  sqlite3_stmt* get() const { return stmt_; }

  void bind_int(int index, int64_t v) { sqlite3_bind_int64(stmt_, index, v); }
  void bind_double(int index, double v) { sqlite3_bind_double(stmt_, index, v); }
  void bind_text(int index, std::string_view v) {
    sqlite3_bind_text(stmt_, index, v.data(), int(v.size()), SQLITE_TRANSIENT);
  }
  void bind_null(int index) { sqlite3_bind_null(stmt_, index); }
  template <typename T>
  void bind_optional_int(int index, const std::optional<T>& v) {
    if (v) bind_int(index, int64_t(*v)); else bind_null(index);
  }
  void bind_optional_double(int index, const std::optional<double>& v) {
    if (v) bind_double(index, *v); else bind_null(index);
  }
  void bind_optional_text(int index, const std::string& v) {
    if (v.empty()) bind_null(index); else bind_text(index, v);
  }

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(stmt_); }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace agentprof
