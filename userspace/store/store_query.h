// Reading the embedded store: spans since a time, and `agentprof report` over them. The report's
// figures come from the report's own code (userspace/cli/report.cpp) fed with the stored span JSON,
// so `report --store` and `report FILE.jsonl` agree on the same spans by construction.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "cli/report.h"
#include "store/sqlite_handle.h"
#include "trace/span.h"

namespace agentprof {

class StoreQuery {
 public:
  // Opens an existing store (never creates one); nullptr with *error when missing or not a store.
  static std::unique_ptr<StoreQuery> open(const std::string& path, std::string* error);

  // Calls `fn` with the JSON line of each span starting at or after `since_unix_ns`, oldest first.
  bool for_each_json_since(uint64_t since_unix_ns, const std::function<void(std::string_view)>& fn,
                           std::string* error);
  // The spans themselves. Rows whose JSON does not parse are skipped and counted (unreadable_rows).
  bool spans_since(uint64_t since_unix_ns, std::vector<Span>& out, std::string* error);
  // Number of spans starting at or after `since_unix_ns`.
  bool count_since(uint64_t since_unix_ns, uint64_t& count, std::string* error);

  uint64_t unreadable_rows() const { return unreadable_rows_; }

 private:
  SqliteDb db_;
  uint64_t unreadable_rows_ = 0;
};

// `agentprof report` over the spans of the store at `store_path` that start at or after
// `since_unix_ns`. options.jsonl_paths is ignored. Exit status as run_report's (1 also when the store
// cannot be read).
int run_store_report(const std::string& store_path, uint64_t since_unix_ns, ReportOptions options,
                     std::ostream& out, std::ostream& err);

}  // namespace agentprof
