#include "store/store_query.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "exporters/jsonl/jsonl_span_reader.h"
#include "store/store_schema.h"

namespace agentprof {

std::unique_ptr<StoreQuery> StoreQuery::open(const std::string& path, std::string* error) {
  if (access(path.c_str(), F_OK) != 0) {
    if (error) *error = "no store at " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  auto q = std::unique_ptr<StoreQuery>(new StoreQuery());
  // Read-write (never create) even for queries: a WAL database is readable without a running
  // writer only by a connection that may create its -shm/-wal files.
  if (!q->db_.open(path, SQLITE_OPEN_READWRITE, error)) return nullptr;
  std::string why;
  if (!prepare_store_schema(q->db_, false, &why)) {
    if (error) *error = path + ": " + why;
    return nullptr;
  }
  return q;
}

bool StoreQuery::for_each_json_since(uint64_t since_unix_ns, const std::function<void(std::string_view)>& fn,
                                     std::string* error) {
  SqliteStatement stmt;
  if (!stmt.prepare(db_, "SELECT span_json FROM spans WHERE start_ns >= ?1 ORDER BY start_ns, id", error))
    return false;
  stmt.bind_int(1, int64_t(std::min<uint64_t>(since_unix_ns, INT64_MAX)));
  int rc;
  while ((rc = stmt.step()) == SQLITE_ROW) {
    const char* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0));
    int size = sqlite3_column_bytes(stmt.get(), 0);
    fn(std::string_view(text ? text : "", size_t(size)));
  }
  if (rc != SQLITE_DONE) {
    if (error) *error = db_.last_error();
    return false;
  }
  return true;
}

bool StoreQuery::spans_since(uint64_t since_unix_ns, std::vector<Span>& out, std::string* error) {
  JsonlSpanReader reader;
  return for_each_json_since(
      since_unix_ns,
      [&](std::string_view json) {
        Span span;
        std::string why;
        if (reader.parse(json, span, &why))
          out.push_back(std::move(span));
        else
          ++unreadable_rows_;
      },
      error);
}

bool StoreQuery::count_since(uint64_t since_unix_ns, uint64_t& count, std::string* error) {
  SqliteStatement stmt;
  if (!stmt.prepare(db_, "SELECT count(*) FROM spans WHERE start_ns >= ?1", error)) return false;
  stmt.bind_int(1, int64_t(std::min<uint64_t>(since_unix_ns, INT64_MAX)));
  if (stmt.step() != SQLITE_ROW) {
    if (error) *error = db_.last_error();
    return false;
  }
  count = uint64_t(sqlite3_column_int64(stmt.get(), 0));
  return true;
}

namespace {

// A temporary file removed when this goes out of scope.
struct TempFile {
  std::string path;
  FILE* file = nullptr;
  ~TempFile() {
    if (file) std::fclose(file);
    if (!path.empty()) unlink(path.c_str());
  }
};

}  // namespace

int run_store_report(const std::string& store_path, uint64_t since_unix_ns, ReportOptions options,
                     std::ostream& out, std::ostream& err) {
  std::string error;
  auto query = StoreQuery::open(store_path, &error);
  if (!query) {
    err << "report: " << error << "\n";
    return 1;
  }
  // The report reads JSONL files: hand it the stored lines through an unlinked-on-exit temp file
  // (rather than a second copy of its aggregation code).
  const char* tmpdir = std::getenv("TMPDIR");
  TempFile tmp;
  std::string pattern = std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/agentprof-report-XXXXXX";
  int fd = mkstemp(pattern.data());
  if (fd < 0 || !(tmp.file = fdopen(fd, "w"))) {
    err << "report: cannot create a temporary file in " << pattern << ": " << std::strerror(errno) << "\n";
    if (fd >= 0) close(fd);
    return 1;
  }
  tmp.path = pattern;
  bool write_failed = false;
  bool read_ok = query->for_each_json_since(
      since_unix_ns,
      [&](std::string_view json) {
        if (std::fwrite(json.data(), 1, json.size(), tmp.file) != json.size() || std::fputc('\n', tmp.file) == EOF)
          write_failed = true;
      },
      &error);
  if (!read_ok) {
    err << "report: reading " << store_path << ": " << error << "\n";
    return 1;
  }
  if (std::fclose(tmp.file) != 0 || write_failed) {
    tmp.file = nullptr;
    err << "report: cannot write the temporary file " << tmp.path << "\n";
    return 1;
  }
  tmp.file = nullptr;
  options.jsonl_paths = {tmp.path};
  return run_report(options, out, err);
}

}  // namespace agentprof
