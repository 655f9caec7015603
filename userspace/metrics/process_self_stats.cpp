#include "metrics/process_self_stats.h"

#include <unistd.h>

#include <charconv>
#include <fstream>
#include <string>

namespace agentprof {

bool parse_proc_stat_times(std::string_view line, unsigned long long& utime_ticks,
                           unsigned long long& stime_ticks) {
  size_t close = line.rfind(')');  // the last ')' ends the command name, whatever it contains
  if (close == std::string_view::npos) return false;
  std::string_view rest = line.substr(close + 1);
  // Fields after the name start at field 3 (state); utime is field 14, stime 15.
  int field = 2;
  unsigned long long values[2] = {0, 0};
  size_t pos = 0;
  while (pos < rest.size()) {
    while (pos < rest.size() && rest[pos] == ' ') ++pos;
    size_t end = rest.find(' ', pos);
    if (end == std::string_view::npos) end = rest.size();
    if (end == pos) break;
    ++field;
    if (field == 14 || field == 15) {
      std::string_view token = rest.substr(pos, end - pos);
      auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), values[field - 14]);
      if (ec != std::errc() || p != token.data() + token.size()) return false;
      if (field == 15) {
        utime_ticks = values[0];
        stime_ticks = values[1];
        return true;
      }
    }
    pos = end;
  }
  return false;
}

std::optional<ProcessSelfStats> read_process_self_stats() {
  long ticks_per_second = sysconf(_SC_CLK_TCK);
  long page_size = sysconf(_SC_PAGESIZE);
  if (ticks_per_second <= 0 || page_size <= 0) return std::nullopt;

  std::ifstream stat("/proc/self/stat");
  std::string line;
  unsigned long long utime = 0, stime = 0;
  if (!std::getline(stat, line) || !parse_proc_stat_times(line, utime, stime)) return std::nullopt;

  std::ifstream statm("/proc/self/statm");
  unsigned long long size_pages = 0, resident_pages = 0;
  if (!(statm >> size_pages >> resident_pages)) return std::nullopt;

  ProcessSelfStats s;
  s.cpu_user_seconds = double(utime) / double(ticks_per_second);
  s.cpu_system_seconds = double(stime) / double(ticks_per_second);
  s.rss_bytes = double(resident_pages) * double(page_size);
  return s;
}

}  // namespace agentprof
