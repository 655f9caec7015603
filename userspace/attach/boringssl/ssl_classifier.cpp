#include "attach/boringssl/ssl_classifier.h"

#include <algorithm>
#include <vector>

#include "attach/boringssl/hex.h"

namespace agentprof::boringssl {

namespace {

bool has(const FunctionEvidence& f, uint32_t r) { return f.reasons.count(r) != 0; }

bool calls_any(const FunctionEvidence& f, const std::vector<uint64_t>& targets) {
  for (uint64_t t : f.direct_calls)
    if (std::find(targets.begin(), targets.end(), t) != targets.end()) return true;
  return false;
}

std::string count_message(size_t n, const char* what, const std::vector<uint64_t>& starts) {
  std::string s = std::to_string(n) + " " + what + " candidates";
  if (n > 1) {
    s += " (";
    for (size_t i = 0; i < starts.size() && i < 4; ++i) s += (i ? ", " : "") + hex(starts[i]);
    s += ")";
  }
  return s;
}

}  // namespace

Classification classify_functions(const std::map<uint64_t, FunctionEvidence>& functions) {
  Classification c;
  std::vector<uint64_t> writes, handshakes, read_impls, reads, news;
  for (const auto& [start, f] : functions) {
    if (has(f, kShouldNotHaveBeenCalled) && has(f, kUninitialized) && has(f, kSslHandshakeFailure) &&
        has(f, kBadLength))
      writes.push_back(start);
    if (has(f, kConnectionTypeNotSet)) handshakes.push_back(start);
    if (has(f, kNullSslCtx)) news.push_back(start);
  }
  for (const auto& [start, f] : functions)
    if (has(f, kUninitialized) && has(f, kSslHandshakeFailure) && !has(f, kShouldNotHaveBeenCalled) &&
        !has(f, kBadLength) && calls_any(f, handshakes))
      read_impls.push_back(start);
  for (const auto& [start, f] : functions)
    if (f.reasons.size() == 1 && has(f, kShouldNotHaveBeenCalled) && calls_any(f, read_impls))
      reads.push_back(start);

  if (news.size() == 1) c.ssl_new = news[0];
  else c.ssl_new_reason = count_message(news.size(), "SSL_new (reason 185)", news);

  if (writes.size() != 1) {
    c.reason = count_message(writes.size(), "SSL_write", writes);
    return c;
  }
  if (handshakes.empty()) {
    c.reason = "no SSL_do_handshake (reason 134) function";
    return c;
  }
  if (read_impls.size() != 1) {
    c.reason = count_message(read_impls.size(), "ssl_read_impl", read_impls);
    return c;
  }
  if (reads.size() != 1) {
    c.reason = count_message(reads.size(), "SSL_read", reads);
    return c;
  }
  if (reads[0] == writes[0]) {
    c.reason = "SSL_read and SSL_write resolve to the same function";
    return c;
  }
  c.ssl_write = writes[0];
  c.ssl_read = reads[0];
  c.ssl_read_impl = read_impls[0];
  c.ok = true;
  return c;
}

}  // namespace agentprof::boringssl
