#include "cli/llm_activity_tap.h"

#include "llm/decoder_registry.h"
#include "llm/request_route.h"

namespace agentprof {

LlmActivityTap::LlmActivityTap(ExchangeSink& next, LlmActivityListener& listener, size_t max_tracked)
    : next_(next), listener_(listener), max_tracked_(max_tracked) {}

void LlmActivityTap::end_call(ExchangeId id) {
  auto it = open_.find(id);
  if (it == open_.end()) return;
  uint32_t pid = it->second;
  open_.erase(it);
  auto p = per_process_.find(pid);
  if (p == per_process_.end()) return;
  uint32_t left = --p->second;
  if (left == 0) per_process_.erase(p);
  listener_.on_llm_calls_in_flight(pid, left);
}

void LlmActivityTap::on_request_head(ExchangeId id, const ConnMeta& conn, const HttpRequestHead& head,
                                     uint64_t ts_ns) {
  end_call(id);  // an id reused before its exchange was done: the old call is over
  // Same routing rule as the LLM stage, decided from the head alone: a request that may be an LLM
  // call pending its body counts as one, so waiting starts with the first request byte.
  if (match_head(make_route(head, conn)).is_llm()) {
    if (open_.size() >= max_tracked_) {
      ++stats_.calls_untracked;
    } else {
      uint32_t pid = conn.key.tgid;
      open_[id] = pid;
      ++stats_.calls_started;
      listener_.on_llm_calls_in_flight(pid, ++per_process_[pid]);
    }
  }
  next_.on_request_head(id, conn, head, ts_ns);
}

void LlmActivityTap::on_request_body(ExchangeId id, std::span<const uint8_t> decoded, uint64_t ts_ns) {
  next_.on_request_body(id, decoded, ts_ns);
}

void LlmActivityTap::on_request_end(ExchangeId id, BodyEnd end, uint64_t ts_ns) {
  next_.on_request_end(id, end, ts_ns);
}

void LlmActivityTap::on_response_head(ExchangeId id, const HttpResponseHead& head, uint64_t ts_ns) {
  next_.on_response_head(id, head, ts_ns);
}

void LlmActivityTap::on_response_body(ExchangeId id, std::span<const uint8_t> decoded, uint64_t ts_ns) {
  next_.on_response_body(id, decoded, ts_ns);
}

void LlmActivityTap::on_response_end(ExchangeId id, BodyEnd end, uint64_t ts_ns) {
  next_.on_response_end(id, end, ts_ns);
}

void LlmActivityTap::on_exchange_done(ExchangeId id, const ConnMeta& conn, uint64_t ts_ns) {
  next_.on_exchange_done(id, conn, ts_ns);
  end_call(id);
}

}  // namespace agentprof
