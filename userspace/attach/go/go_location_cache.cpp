#include "attach/go/go_location_cache.h"

#include <sstream>
#include <vector>

#include "attach/boringssl/hex.h"

namespace agentprof::gotls {

namespace {

using boringssl::hex;
using boringssl::entry_field;
using boringssl::entry_lines;
using boringssl::one_line;
using boringssl::parse_u64;

// 2: entry probes on the stack check's branch.
constexpr const char* kMagic = "agentprof-go-tls-cache 2";
constexpr size_t kMaxEntryBytes = 8192;
// (*Conn).Read has a handful of RETs; more than this in a cache entry means it is not ours.
constexpr size_t kMaxRets = 64;

// "<name> <entry vaddr> <entry offset> <ret,ret,...|-> <stack-check branch offset|->"
std::string function_line(const GoFunctionProbes& f) {
  std::string rets;
  for (uint64_t r : f.rets) rets += (rets.empty() ? "" : ",") + hex(r);
  return (f.name.empty() ? "-" : f.name) + " " + hex(f.entry_vaddr) + " " + hex(f.entry) + " " +
         (rets.empty() ? "-" : rets) + " " + (f.entry_at_stack_check ? hex(f.entry_probe) : "-");
}

bool parse_function(const std::string& v, GoFunctionProbes* f) {
  std::istringstream in(v);
  std::string name, vaddr, entry, rets, branch, extra;
  if (!(in >> name >> vaddr >> entry >> rets >> branch) || (in >> extra)) return false;
  if (!parse_u64(vaddr, &f->entry_vaddr) || !parse_u64(entry, &f->entry)) return false;
  f->entry_at_stack_check = branch != "-";
  f->entry_probe = f->entry;
  if (f->entry_at_stack_check && !parse_u64(branch, &f->entry_probe)) return false;
  f->name = name == "-" ? "" : name;
  f->rets.clear();
  if (rets == "-") return true;
  std::istringstream list(rets);
  std::string one;
  while (std::getline(list, one, ',')) {
    uint64_t r = 0;
    if (f->rets.size() >= kMaxRets || !parse_u64(one, &r)) return false;
    f->rets.push_back(r);
  }
  return true;
}

std::string entry_body(const std::string& key, const GoTlsLocation& loc) {
  std::ostringstream o;
  o << kMagic << "\n";
  o << "key " << key << "\n";
  o << "found " << (loc.found ? 1 : 0) << "\n";
  o << "reason " << one_line(loc.reason) << "\n";
  o << "go_version " << one_line(loc.go_version) << "\n";
  o << "write " << function_line(loc.write) << "\n";
  o << "read " << function_line(loc.read) << "\n";
  o << "has_close " << (loc.has_close ? 1 : 0) << "\n";
  o << "close " << function_line(loc.close) << "\n";
  return o.str();
}

std::optional<GoTlsLocation> parse_entry_body(const std::string& key, const std::string& body) {
  std::optional<std::vector<std::string>> lines = entry_lines(body, kMagic, 9);
  if (!lines) return std::nullopt;
  auto field = [&](size_t i, const std::string& name, std::string* value) {
    return entry_field(*lines, i, name, value);
  };
  GoTlsLocation loc;
  std::string v;
  if (!field(1, "key", &v) || v != key) return std::nullopt;
  if (!field(2, "found", &v) || (v != "0" && v != "1")) return std::nullopt;
  loc.found = v == "1";
  if (!field(3, "reason", &loc.reason)) return std::nullopt;
  if (!field(4, "go_version", &loc.go_version)) return std::nullopt;
  if (!field(5, "write", &v) || !parse_function(v, &loc.write)) return std::nullopt;
  if (!field(6, "read", &v) || !parse_function(v, &loc.read)) return std::nullopt;
  if (!field(7, "has_close", &v) || (v != "0" && v != "1")) return std::nullopt;
  loc.has_close = v == "1";
  if (!field(8, "close", &v) || !parse_function(v, &loc.close)) return std::nullopt;
  // A success names Write and Read with their returns (Read's RETs are probed); a refusal names
  // nothing. Anything else was not written by us.
  if (loc.found) {
    for (const GoFunctionProbes* f : {&loc.write, &loc.read})
      if (f->name.empty() || f->entry_vaddr == 0 || f->rets.empty()) return std::nullopt;
    if (loc.has_close && (loc.close.name.empty() || loc.close.entry_vaddr == 0)) return std::nullopt;
  } else if (loc.write.entry_vaddr || loc.read.entry_vaddr || loc.has_close) {
    return std::nullopt;
  }
  loc.definitive = true;
  return loc;
}

}  // namespace

std::string serialize_go_cache_entry(const std::string& key, const GoTlsLocation& loc) {
  return boringssl::append_checksum(entry_body(key, loc));
}

std::optional<GoTlsLocation> parse_go_cache_entry(const std::string& key, const std::string& text) {
  std::optional<std::string> body = boringssl::strip_checksum(text);
  if (!body) return std::nullopt;
  return parse_entry_body(key, *body);
}

GoLocationCache::GoLocationCache(std::string dir) : files_(std::move(dir), kMaxEntryBytes) {}

std::optional<GoTlsLocation> GoLocationCache::load(const std::string& key) const {
  std::optional<std::string> body = files_.load(key);
  if (!body) return std::nullopt;
  return parse_entry_body(key, *body);
}

bool GoLocationCache::store(const std::string& key, const GoTlsLocation& loc) const {
  return files_.store(key, entry_body(key, loc));
}

}  // namespace agentprof::gotls
