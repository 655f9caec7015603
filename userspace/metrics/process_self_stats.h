// agentprof's own resource use, read from /proc/self: it observes itself like any other process.
#pragma once

#include <optional>
#include <string_view>

namespace agentprof {

struct ProcessSelfStats {
  double cpu_user_seconds = 0;
  double cpu_system_seconds = 0;
  double rss_bytes = 0;
};

// nullopt when /proc/self cannot be read or parsed (e.g. no procfs): then no self metrics.
std::optional<ProcessSelfStats> read_process_self_stats();

// Parsing pieces, exposed for tests: utime and stime (fields 14 and 15, in clock ticks) of a
// /proc/<pid>/stat line, whose command name (field 2) may itself hold spaces and ')'.
bool parse_proc_stat_times(std::string_view stat_line, unsigned long long& utime_ticks,
                           unsigned long long& stime_ticks);

}  // namespace agentprof
