#include "cli/llm_activity_tap.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "http/http_stage.h"

using namespace agentprof;

namespace {

struct Change {
  uint32_t pid;
  uint32_t calls;
  bool operator==(const Change&) const = default;
};

class RecordingListener final : public LlmActivityListener {
 public:
  void on_llm_calls_in_flight(uint32_t pid, uint32_t calls) override { changes.push_back({pid, calls}); }
  std::vector<Change> changes;
};

// Counts what reaches the next stage: the tap must pass every event on.
class CountingSink final : public ExchangeSink {
 public:
  void on_request_head(ExchangeId, const ConnMeta&, const HttpRequestHead&, uint64_t) override { ++events; }
  void on_request_body(ExchangeId, std::span<const uint8_t>, uint64_t) override { ++events; }
  void on_request_end(ExchangeId, BodyEnd, uint64_t) override { ++events; }
  void on_response_head(ExchangeId, const HttpResponseHead&, uint64_t) override { ++events; }
  void on_response_body(ExchangeId, std::span<const uint8_t>, uint64_t) override { ++events; }
  void on_response_end(ExchangeId, BodyEnd, uint64_t) override { ++events; }
  void on_exchange_done(ExchangeId, const ConnMeta&, uint64_t) override { ++done; }
  int events = 0;
  int done = 0;
};

ConnMeta conn(uint32_t pid, uint64_t id) {
  ConnMeta c;
  c.key.tgid = pid;
  c.key.id = id;
  c.key.generation = 1;
  c.comm = "agent";
  c.remote.address = "127.0.0.1";
  c.remote.port = 443;
  return c;
}

void send(HttpStage& http, const ConnMeta& c, Direction d, const std::string& text) {
  http.on_bytes(c, d, 1000, {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

const std::string kChatRequest =
    "POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\nContent-Type: application/json\r\n"
    "Content-Length: 2\r\n\r\n{}";
const std::string kResponse = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";

}  // namespace

TEST_CASE("an LLM call is in flight from its request head until its exchange is done") {
  RecordingListener listener;
  CountingSink next;
  LlmActivityTap tap(next, listener);
  HttpStage http(tap);
  ConnMeta a = conn(100, 1), b = conn(100, 2);
  send(http, a, Direction::kEgress, kChatRequest);
  CHECK(listener.changes == std::vector<Change>{{100, 1}});
  send(http, b, Direction::kEgress, kChatRequest);
  CHECK(listener.changes.back() == Change{100, 2});
  CHECK(tap.calls_in_flight() == 2);
  send(http, a, Direction::kIngress, kResponse);
  CHECK(listener.changes.back() == Change{100, 1});
  http.on_close(b, CloseReason::kProcessExited, 2000);  // no response: still ends the call
  CHECK(listener.changes.back() == Change{100, 0});
  CHECK(tap.calls_in_flight() == 0);
  CHECK(tap.stats().calls_started == 2);
  CHECK(next.done == 2);
  CHECK(next.events >= 6);
}

TEST_CASE("requests that are not LLM API calls are passed on but not counted") {
  RecordingListener listener;
  CountingSink next;
  LlmActivityTap tap(next, listener);
  HttpStage http(tap);
  ConnMeta c = conn(7, 1);
  send(http, c, Direction::kEgress, "GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n");
  send(http, c, Direction::kIngress, kResponse);
  CHECK(listener.changes.empty());
  CHECK(next.done == 1);
}

TEST_CASE("past the bound calls are not tracked, and counted") {
  RecordingListener listener;
  CountingSink next;
  LlmActivityTap tap(next, listener, 1);
  HttpStage http(tap);
  send(http, conn(1, 1), Direction::kEgress, kChatRequest);
  send(http, conn(2, 2), Direction::kEgress, kChatRequest);
  CHECK(listener.changes == std::vector<Change>{{1, 1}});
  CHECK(tap.stats().calls_untracked == 1);
  http.on_close(conn(2, 2), CloseReason::kClosed, 5);  // never tracked: no change reported
  CHECK(listener.changes.size() == 1);
}
