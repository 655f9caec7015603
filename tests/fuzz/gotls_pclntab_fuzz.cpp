// Go function-table reader, RET scanner and cache-entry parser on arbitrary bytes: never reads outside
// its input, never reports a function whose bounds are inverted, never reports a RET outside the
// scanned bytes, never accepts a cache entry whose success lacks return sites or has too many.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "attach/go/go_location_cache.h"
#include "attach/go/pclntab.h"
#include "attach/go/ret_scan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  agentprof::gotls::Pclntab table;
  if (table.parse(bytes, 0x401000)) {
    for (const char* name : {"crypto/tls.(*Conn).Write", "runtime.main", ""}) {
      auto f = table.find(name);
      if (f && f->end <= f->entry) abort();
    }
  }
  auto scan = agentprof::gotls::scan_rets(bytes, 0x1000);
  for (uint64_t r : scan.ret_vaddrs)
    if (r < 0x1000 || r - 0x1000 >= size) abort();
  // The entry names its own key (second line): take it from the input so parsing gets past that check.
  const std::string text(reinterpret_cast<const char*>(data), size);
  size_t key_at = text.find("\nkey ");
  std::string key = key_at == std::string::npos ? "k" : text.substr(key_at + 5, text.find('\n', key_at + 5) - key_at - 5);
  auto entry = agentprof::gotls::parse_go_cache_entry(key, text);
  if (entry && entry->found && (entry->read.rets.empty() || entry->read.rets.size() > 64)) abort();
  return 0;
}
