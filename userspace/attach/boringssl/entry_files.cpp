#include "attach/boringssl/entry_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <sstream>

#include "attach/boringssl/hex.h"

namespace agentprof::boringssl {

namespace {

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
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

std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

bool parse_u64(const std::string& s, uint64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == 'x')) return false;
  size_t used = 0;
  try {
    *out = std::stoull(s, &used, 0);
  } catch (...) {
    return false;
  }
  return used == s.size();
}

std::string append_checksum(const std::string& body) { return body + "checksum " + hex(fnv1a(body)) + "\n"; }

std::optional<std::string> strip_checksum(const std::string& text) {
  size_t cut = text.rfind("checksum ");
  if (cut == std::string::npos || text.empty() || text.back() != '\n') return std::nullopt;
  if (cut != 0 && text[cut - 1] != '\n') return std::nullopt;
  std::string body = text.substr(0, cut);
  uint64_t sum = 0;
  if (!parse_u64(text.substr(cut + 9, text.size() - cut - 10), &sum) || sum != fnv1a(body)) return std::nullopt;
  return body;
}

std::string EntryFiles::entry_path(const std::string& key) const {
  if (key.empty() || key.size() > kMaxKeyChars) return {};
  for (char c : key)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-')) return {};
  return dir_ + "/" + key + ".entry";
}

std::optional<std::string> EntryFiles::load(const std::string& key) const {
  const std::string path = entry_path(key);
  if (path.empty()) return std::nullopt;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 022) ||
      st.st_size > static_cast<off_t>(max_bytes_)) {
    ::close(fd);
    return std::nullopt;
  }
  std::string text(max_bytes_ + 1, '\0');
  ssize_t n = ::read(fd, text.data(), text.size());
  ::close(fd);
  if (n < 0 || static_cast<size_t>(n) > max_bytes_) return std::nullopt;
  text.resize(static_cast<size_t>(n));
  return strip_checksum(text);
}

bool EntryFiles::store(const std::string& key, const std::string& body) const {
  const std::string path = entry_path(key);
  const std::string text = append_checksum(body);
  if (path.empty() || text.size() > max_bytes_ || !mkdirs(dir_)) return false;
  static std::atomic<uint64_t> sequence{0};  // distinct temporaries for concurrent stores
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(sequence++);
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

std::optional<std::vector<std::string>> entry_lines(const std::string& body, const std::string& magic,
                                                    size_t count) {
  std::istringstream in(body);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  if (lines.size() != count || lines[0] != magic) return std::nullopt;
  return lines;
}

bool entry_field(const std::vector<std::string>& lines, size_t i, const std::string& name, std::string* value) {
  if (i >= lines.size() || lines[i].compare(0, name.size() + 1, name + " ") != 0) return false;
  *value = lines[i].substr(name.size() + 1);
  return true;
}

}  // namespace agentprof::boringssl
