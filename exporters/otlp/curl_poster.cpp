#include "exporters/otlp/curl_poster.h"

#include <curl/curl.h>

#include <mutex>

namespace agentprof::otlp {

namespace {

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t collect_body(char* data, size_t size, size_t nmemb, void* user) {
  auto* body = static_cast<std::string*>(user);
  size_t n = size * nmemb;
  size_t room = CurlPoster::kMaxResponseBody - std::min(body->size(), CurlPoster::kMaxResponseBody);
  body->append(data, std::min(n, room));
  return n;  // consume everything; only the stored copy is bounded
}

int check_abort(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* abort = static_cast<const std::atomic<bool>*>(user);
  return (abort && abort->load(std::memory_order_relaxed)) ? 1 : 0;
}

// Failures that may heal by themselves (collector restarting, network blip) are worth a retry;
// a malformed URL or an unsupported scheme never will.
bool is_retryable(CURLcode code) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_ABORTED_BY_CALLBACK:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_BAD_FUNCTION_ARGUMENT:
      return false;
    default:
      return true;
  }
}

}  // namespace

CurlPoster::CurlPoster() {
  global_init_once();
  handle_ = curl_easy_init();
}

CurlPoster::~CurlPoster() {
  if (handle_) curl_easy_cleanup(static_cast<CURL*>(handle_));
}

PostResult CurlPoster::post(const std::string& url, std::string_view body, const std::vector<std::string>& headers,
                            std::chrono::milliseconds timeout, const std::atomic<bool>* abort) {
  PostResult result;
  CURL* curl = static_cast<CURL*>(handle_);
  if (!curl) {
    result.transport_error = true;
    result.error = "curl_easy_init failed";
    return result;
  }
  curl_easy_reset(curl);  // keeps the connection cache, drops options of the previous request
  curl_slist* list = nullptr;
  for (const std::string& h : headers) list = curl_slist_append(list, h.c_str());
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip for big bodies

  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // we run on a background thread
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, long(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, long(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, check_abort);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, abort);

  CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(list);
  if (code != CURLE_OK) {
    result.transport_error = true;
    result.transport_retryable = is_retryable(code);
    result.error = curl_easy_strerror(code);  // generic text: never echoes the URL or headers
    return result;
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.http_status);
  curl_off_t retry_after = 0;
  if (curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK && retry_after > 0)
    result.retry_after = std::chrono::seconds(retry_after);
  return result;
}

}  // namespace agentprof::otlp
