// The reason-code rules that name BoringSSL functions from their ssl_lib.cc error sites
// (public constants from BoringSSL's ssl.h: 66 SHOULD_NOT_HAVE_BEEN_CALLED, 111 BAD_LENGTH,
// 134 CONNECTION_TYPE_NOT_SET, 185 NULL_SSL_CTX, 215 SSL_HANDSHAKE_FAILURE, 226 UNINITIALIZED).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "attach/boringssl/boringssl_locator.h"

namespace agentprof::boringssl {

inline constexpr uint32_t kShouldNotHaveBeenCalled = 66;
inline constexpr uint32_t kBadLength = 111;
inline constexpr uint32_t kConnectionTypeNotSet = 134;
inline constexpr uint32_t kNullSslCtx = 185;
inline constexpr uint32_t kSslHandshakeFailure = 215;
inline constexpr uint32_t kUninitialized = 226;

struct Classification {
  bool ok = false;
  std::string reason;      // why not
  uint64_t ssl_write = 0;  // function start vaddrs
  uint64_t ssl_read = 0;
  uint64_t ssl_read_impl = 0;
  uint64_t ssl_new = 0;    // 0 when not exactly one SSL_new candidate
  std::string ssl_new_reason;
};

// Exactly one certain candidate per function, and no other function whose unreadable error sites
// could make it a candidate too; otherwise `reason` says which rule failed.
Classification classify_functions(const std::map<uint64_t, FunctionEvidence>& functions);

}  // namespace agentprof::boringssl
