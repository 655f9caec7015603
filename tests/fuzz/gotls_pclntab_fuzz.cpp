// Go function-table reader and RET scanner on arbitrary bytes: never reads outside its input, never
// reports a function whose bounds are inverted, never reports a RET outside the scanned bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

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
  return 0;
}
