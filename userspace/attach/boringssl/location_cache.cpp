#include "attach/boringssl/location_cache.h"

#include <sstream>
#include <vector>

#include "attach/boringssl/hex.h"

namespace agentprof::boringssl {

namespace {

constexpr const char* kMagic = "agentprof-boringssl-cache 1";
constexpr size_t kMaxEntryBytes = 4096;

std::string entry_body(const std::string& key, const BoringSslLocation& loc) {
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
  return o.str();
}

std::optional<BoringSslLocation> parse_entry_body(const std::string& key, const std::string& body) {
  std::optional<std::vector<std::string>> lines = entry_lines(body, kMagic, 9);
  if (!lines) return std::nullopt;
  auto field = [&](size_t i, const std::string& name, std::string* value) {
    return entry_field(*lines, i, name, value);
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

}  // namespace

std::string serialize_cache_entry(const std::string& key, const BoringSslLocation& loc) {
  return append_checksum(entry_body(key, loc));
}

std::optional<BoringSslLocation> parse_cache_entry(const std::string& key, const std::string& text) {
  std::optional<std::string> body = strip_checksum(text);
  if (!body) return std::nullopt;
  return parse_entry_body(key, *body);
}

LocationCache::LocationCache(std::string dir) : files_(std::move(dir), kMaxEntryBytes) {}

std::string LocationCache::entry_path(const std::string& key) const { return files_.entry_path(key); }

std::optional<BoringSslLocation> LocationCache::load(const std::string& key) const {
  std::optional<std::string> body = files_.load(key);
  if (!body) return std::nullopt;
  return parse_entry_body(key, *body);
}

bool LocationCache::store(const std::string& key, const BoringSslLocation& loc) const {
  return files_.store(key, entry_body(key, loc));
}

}  // namespace agentprof::boringssl
