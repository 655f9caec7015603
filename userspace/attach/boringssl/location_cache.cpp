#include "attach/boringssl/location_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <sstream>
#include <vector>

#include "attach/boringssl/hex.h"

namespace agentprof::boringssl {

namespace {

constexpr const char* kMagic = "agentprof-boringssl-cache 1";
constexpr size_t kMaxEntryBytes = 4096;

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// Reasons are single-line free text; keep them that way in the file.
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

bool parse_u64(const std::string& s, uint64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  size_t used = 0;
  try {
    *out = std::stoull(s, &used, 0);
  } catch (...) {
    return false;
  }
  return used == s.size();
}

bool mkdirs(const std::string& dir) {
  std::string cur;
  std::stringstream ss(dir);
  std::string part;
  if (!dir.empty() && dir[0] == '/') cur = "/";
  while (std::getline(ss, part, '/')) {
    if (part.empty()) continue;
    cur += part + "/";
    if (::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST) return false;
  }
  return true;
}

}  // namespace

std::string serialize_cache_entry(const std::string& key, const BoringSslLocation& loc) {
  std::ostringstream o;
  o << kMagic << "\n";
  o << "key " << key << "\n";
  o << "found " << (loc.found ? 1 : 0) << "\n";
  o << "reason " << one_line(loc.reason) << "\n";
  o << "ssl_write " << hex(loc.ssl_write) << " " << hex(loc.ssl_write_vaddr) << "\n";
  o << "ssl_read " << hex(loc.ssl_read) << " " << hex(loc.ssl_read_vaddr) << "\n";
  o << "destructor_found " << (loc.destructor_found ? 1 : 0) << "\n";
  o << "destructor " << hex(loc.ssl_free_destructor) << " " << hex(loc.ssl_free_destructor_vaddr) << "\n";
  o << "destructor_reason " << one_line(loc.destructor_reason) << "\n";
  std::string body = o.str();
  return body + "checksum " + hex(fnv1a(body)) + "\n";
}

std::optional<BoringSslLocation> parse_cache_entry(const std::string& key, const std::string& text) {
  size_t cut = text.rfind("checksum ");
  if (cut == std::string::npos || text.empty() || text.back() != '\n') return std::nullopt;
  const std::string body = text.substr(0, cut);
  uint64_t sum = 0;
  if (!parse_u64(text.substr(cut + 9, text.size() - cut - 10), &sum) || sum != fnv1a(body)) return std::nullopt;

  std::istringstream in(body);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  if (lines.size() != 9 || lines[0] != kMagic) return std::nullopt;
  auto field = [&](size_t i, const std::string& name, std::string* value) {
    if (lines[i].compare(0, name.size() + 1, name + " ") != 0) return false;
    *value = lines[i].substr(name.size() + 1);
    return true;
  };
  auto pair = [&](const std::string& v, uint64_t* a, uint64_t* b) {
    size_t sp = v.find(' ');
    return sp != std::string::npos && parse_u64(v.substr(0, sp), a) && parse_u64(v.substr(sp + 1), b);
  };
  BoringSslLocation loc;
  std::string v;
  if (!field(1, "key", &v) || v != key) return std::nullopt;
  if (!field(2, "found", &v) || (v != "0" && v != "1")) return std::nullopt;
  loc.found = v == "1";
  if (!field(3, "reason", &loc.reason)) return std::nullopt;
  if (!field(4, "ssl_write", &v) || !pair(v, &loc.ssl_write, &loc.ssl_write_vaddr)) return std::nullopt;
  if (!field(5, "ssl_read", &v) || !pair(v, &loc.ssl_read, &loc.ssl_read_vaddr)) return std::nullopt;
  if (!field(6, "destructor_found", &v) || (v != "0" && v != "1")) return std::nullopt;
  loc.destructor_found = v == "1";
  if (!field(7, "destructor", &v) || !pair(v, &loc.ssl_free_destructor, &loc.ssl_free_destructor_vaddr))
    return std::nullopt;
  if (!field(8, "destructor_reason", &loc.destructor_reason)) return std::nullopt;
  // A success must name real addresses; a refusal must name none.
  if (loc.found && (loc.ssl_write_vaddr == 0 || loc.ssl_read_vaddr == 0)) return std::nullopt;
  if (!loc.found && (loc.ssl_write_vaddr != 0 || loc.ssl_read_vaddr != 0 || loc.destructor_found))
    return std::nullopt;
  if (loc.destructor_found && loc.ssl_free_destructor_vaddr == 0) return std::nullopt;
  loc.build_id = key;
  loc.definitive = true;
  return loc;
}

std::string LocationCache::entry_path(const std::string& key) const {
  if (key.empty() || key.size() > 128) return {};
  for (char c : key)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-'))
      return {};
  return dir_ + "/" + key + ".entry";
}

std::optional<BoringSslLocation> LocationCache::load(const std::string& key) const {
  const std::string path = entry_path(key);
  if (path.empty()) return std::nullopt;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return std::nullopt;
  // Entries decide where probes go: only trust files written by us and writable by no one else.
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 022) ||
      st.st_size > static_cast<off_t>(kMaxEntryBytes)) {
    ::close(fd);
    return std::nullopt;
  }
  std::string text(kMaxEntryBytes + 1, '\0');
  ssize_t n = ::read(fd, text.data(), text.size());
  ::close(fd);
  if (n < 0 || static_cast<size_t>(n) > kMaxEntryBytes) return std::nullopt;
  text.resize(static_cast<size_t>(n));
  return parse_cache_entry(key, text);
}

bool LocationCache::store(const std::string& key, const BoringSslLocation& loc) const {
  const std::string path = entry_path(key);
  if (path.empty() || !mkdirs(dir_)) return false;
  static std::atomic<uint64_t> sequence{0};  // distinct temporaries for concurrent stores
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(sequence++);
  const std::string text = serialize_cache_entry(key, loc);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace agentprof::boringssl
