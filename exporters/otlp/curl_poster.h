// One libcurl easy handle that POSTs request bodies (connection kept alive between requests).
// Used only from the exporter's background thread.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentprof::otlp {

struct PostResult {
  long http_status = 0;            // 0 when no HTTP answer arrived
  bool transport_error = false;    // no answer: refused, reset, timeout, DNS...
  bool transport_retryable = false;
  std::string error;               // curl's reason when transport_error
  std::optional<std::chrono::seconds> retry_after;  // from Retry-After (seconds or HTTP date)
  std::string body;                // response body, truncated to kMaxResponseBody
};

class CurlPoster {
 public:
  static constexpr size_t kMaxResponseBody = 64 * 1024;

  CurlPoster();
  ~CurlPoster();
  CurlPoster(const CurlPoster&) = delete;
  CurlPoster& operator=(const CurlPoster&) = delete;

  // `headers` are complete "Name: value" lines. A set `abort` flag ends a transfer early.
  PostResult post(const std::string& url, std::string_view body, const std::vector<std::string>& headers,
                  std::chrono::milliseconds timeout, const std::atomic<bool>* abort);

 private:
  void* handle_ = nullptr;  // CURL*
};

}  // namespace agentprof::otlp
