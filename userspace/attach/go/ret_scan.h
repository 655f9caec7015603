// Decodes a function's bytes from its entry and lists its RET instructions, so return probes sit on
// true instruction boundaries.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace agentprof::gotls {

struct RetScan {
  bool ok = false;
  std::string error;
  std::vector<uint64_t> ret_vaddrs;
};

// `code` holds the bytes at [vaddr, vaddr + code.size()). Every byte must decode: an undecodable
// byte means the bounds or the bytes are not what we think, and no probe is placed.
RetScan scan_rets(const std::vector<uint8_t>& code, uint64_t vaddr);

}  // namespace agentprof::gotls
