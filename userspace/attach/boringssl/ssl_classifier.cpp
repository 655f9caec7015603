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
  static const uint32_t kWriteSet[] = {kShouldNotHaveBeenCalled, kUninitialized, kSslHandshakeFailure, kBadLength};
  static const uint32_t kReadImplSet[] = {kUninitialized, kSslHandshakeFailure};
  auto count_of = [](const FunctionEvidence& f, const auto& set) {
    size_t n = 0;
    for (uint32_t r : set) n += has(f, r);
    return n;
  };
  // Functions whose unreadable sites could hide the missing codes: if such a function exists next
  // to (or instead of) the certain candidate, the choice is not certain and we refuse.
  std::vector<uint64_t> writes, maybe_writes, handshakes, read_impls, maybe_read_impls, reads, maybe_reads, news;
  for (const auto& [start, f] : functions) {
    if (count_of(f, kWriteSet) == 4) writes.push_back(start);
    else if (f.unresolved_sites && count_of(f, kWriteSet) + f.unresolved_sites >= 4) maybe_writes.push_back(start);
    if (has(f, kConnectionTypeNotSet)) handshakes.push_back(start);
    if (has(f, kNullSslCtx)) news.push_back(start);
  }
  for (const auto& [start, f] : functions) {
    if (has(f, kShouldNotHaveBeenCalled) || has(f, kBadLength) || !calls_any(f, handshakes)) continue;
    if (count_of(f, kReadImplSet) == 2 && !f.unresolved_sites) read_impls.push_back(start);
    else if (f.unresolved_sites && count_of(f, kReadImplSet) + f.unresolved_sites >= 2) maybe_read_impls.push_back(start);
  }
  for (const auto& [start, f] : functions) {
    bool only_66 = f.reasons.size() == 1 && has(f, kShouldNotHaveBeenCalled);
    bool subset_66 = f.reasons.empty() || only_66;
    if (!calls_any(f, read_impls)) continue;
    if (only_66 && !f.unresolved_sites) reads.push_back(start);
    else if (subset_66 && f.unresolved_sites) maybe_reads.push_back(start);
  }

  if (news.size() == 1) c.ssl_new = news[0];
  else c.ssl_new_reason = count_message(news.size(), "SSL_new (reason 185)", news);

  auto ambiguous = [&](const char* what, const std::vector<uint64_t>& maybe) {
    c.reason = std::string(what) + " ambiguous: function " + hex(maybe[0]) + " has unreadable error sites";
  };
  if (writes.size() != 1) {
    c.reason = count_message(writes.size(), "SSL_write", writes);
    if (writes.empty() && !maybe_writes.empty()) ambiguous("SSL_write", maybe_writes);
    return c;
  }
  if (!maybe_writes.empty()) {
    ambiguous("SSL_write", maybe_writes);
    return c;
  }
  if (handshakes.empty()) {
    c.reason = "no SSL_do_handshake (reason 134) function";
    return c;
  }
  if (read_impls.size() != 1 || !maybe_read_impls.empty()) {
    c.reason = count_message(read_impls.size(), "ssl_read_impl", read_impls);
    if (read_impls.size() <= 1 && !maybe_read_impls.empty()) ambiguous("ssl_read_impl", maybe_read_impls);
    return c;
  }
  if (reads.size() != 1 || !maybe_reads.empty()) {
    c.reason = count_message(reads.size(), "SSL_read", reads);
    if (reads.size() <= 1 && !maybe_reads.empty()) ambiguous("SSL_read", maybe_reads);
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
