#include "llm/llm_stage.h"

#include <algorithm>
#include <charconv>
#include <exception>
#include <string_view>

#include "llm/decoder_registry.h"
#include "llm/provider_by_host.h"
#include "llm/request_scan.h"

namespace agentprof {

namespace {

std::optional<int64_t> parse_count(const std::string* text) {
  if (!text) return std::nullopt;
  std::string_view s = *text;
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// A body that ends when the connection closes: no content-length and not chunked.
bool reads_until_close(const HttpResponseHead& head) {
  if (head.status == 204 || head.status == 304) return false;
  if (head.headers.find("content-length")) return false;
  const std::string* te = head.headers.find("transfer-encoding");
  return !(te && contains(*te, "chunked"));
}

}  // namespace

struct LlmStage::Exchange {
  LlmCall call;
  RequestRoute route;
  const DecoderEntry* entry = nullptr;
  std::unique_ptr<ApiDecoder> decoder;
  std::string request_body;
  bool started = false;       // request handed to the decoder
  bool not_llm = false;       // the body showed it is not an API we decode
  bool response_seen = false;
  bool response_ended = false;
  BodyEnd response_end = BodyEnd::kComplete;
  bool read_until_close = false;
  bool done_marker = false;   // SSE "data: [DONE]"
  ResponseFramer framer;
  size_t buffered = 0;        // bytes of this exchange counted in the stage's buffer budget
  uint64_t last_output_ns = 0;
  uint64_t gap_count = 0;
  double gap_sum_s = 0;
};

// Routes framed response values from the framer back into the stage, with the capture time of
// the body piece they completed in.
class LlmStage::ValueDispatcher final : public FrameHandler {
 public:
  ValueDispatcher(LlmStage& stage, Exchange& ex, uint64_t ts_ns) : stage_(stage), ex_(ex), ts_ns_(ts_ns) {}
  void on_frame(std::string_view event, std::string_view data) override {
    stage_.on_frame(ex_, event, data, ts_ns_);
  }

 private:
  LlmStage& stage_;
  Exchange& ex_;
  uint64_t ts_ns_;
};

LlmStage::LlmStage(LlmCallSink& sink, const PriceTable& prices, LlmStageOptions options)
    : sink_(sink), prices_(prices), options_(options) {
  decoder_options_.capture_content = options_.capture_content;
  decoder_options_.max_content_bytes = options_.max_content_bytes;
}

LlmStage::~LlmStage() = default;

bool LlmStage::reserve(Exchange& ex, size_t n) {
  if (buffered_bytes_ + n > options_.max_total_buffered_bytes) {
    ++stats_.buffer_budget_hits;
    return false;
  }
  buffered_bytes_ += n;
  ex.buffered += n;
  return true;
}

void LlmStage::release(Exchange& ex) {
  buffered_bytes_ -= ex.buffered;
  ex.buffered = 0;
}

LlmStage::Exchange* LlmStage::find(ExchangeId id) {
  auto it = live_.find(id);
  if (it != live_.end()) return it->second.get();
  if (!ignored_.count(id)) ++stats_.unknown_exchange_events;
  return nullptr;
}

void LlmStage::on_request_head(ExchangeId id, const ConnMeta& conn, const HttpRequestHead& head,
                               uint64_t ts_ns) {
  ++stats_.exchanges_seen;
  ignored_.erase(id);
  if (auto it = live_.find(id); it != live_.end()) {
    // The id was reused before its exchange was done (should not happen): report the old one
    // as cut short rather than lose it.
    std::unique_ptr<Exchange> old = std::move(it->second);
    live_.erase(it);
    finalize(*old, ts_ns);
  }
  RequestRoute route = make_route(head, conn);
  HeadMatch match = match_head(route);
  if (!match.is_llm()) {
    ++stats_.non_llm_exchanges;
    if (ignored_.size() < options_.max_live_exchanges) ignored_.insert(id);
    return;
  }
  if (live_.size() >= options_.max_live_exchanges) {
    ++stats_.dropped_exchanges;
    if (ignored_.size() < options_.max_live_exchanges) ignored_.insert(id);
    return;
  }
  auto ex = std::make_unique<Exchange>();
  LlmCall& call = ex->call;
  call.conn = conn;
  call.method = head.method;
  // "HTTP/1.1" -> "1.1", "HTTP/2" -> "2"
  if (head.version.rfind("HTTP/", 0) == 0) call.http_version = head.version.substr(5);
  call.url_path = route.path;
  call.server_address = route.host;
  call.server_port = route.server_port();
  if (const std::string* ua = head.headers.find("user-agent")) call.user_agent = ua->substr(0, 256);
  call.retry_count = parse_count(head.headers.find("x-stainless-retry-count"));
  if (const std::string* session = head.headers.find("x-claude-code-session-id"))
    if (!session->empty()) call.conversation_id = session->substr(0, 256);
  call.request_start_ns = ts_ns;
  ex->route = std::move(route);
  ex->entry = match.decoder;
  live_[id] = std::move(ex);
}

void LlmStage::on_request_body(ExchangeId id, std::span<const uint8_t> decoded, uint64_t) {
  Exchange* ex = find(id);
  if (!ex || ex->started) return;
  ex->call.request_body_bytes += decoded.size();
  if (ex->call.request_truncated) return;
  // Past the cap (or the stage's budget) keep only the head of the body: the scan for
  // model/stream can still read it.
  size_t take = std::min(options_.max_body_bytes - ex->request_body.size(), decoded.size());
  bool fits = take == decoded.size();
  if (!reserve(*ex, take)) {
    take = 0;
    fits = false;
  }
  ex->request_body.append(reinterpret_cast<const char*>(decoded.data()), take);
  if (!fits) ex->call.request_truncated = true;
}

void LlmStage::on_request_end(ExchangeId id, BodyEnd end, uint64_t ts_ns) {
  Exchange* ex = find(id);
  if (!ex) return;
  ex->call.request_end_ns = ts_ns;
  if (end == BodyEnd::kTruncated) ex->call.request_truncated = true;
  start_decoding(*ex);
}

void LlmStage::start_decoding(Exchange& ex) {
  if (ex.started) return;
  ex.started = true;
  LlmCall& call = ex.call;
  const simdjson::dom::element* body = nullptr;
  simdjson::dom::element root;
  if (call.request_truncated) {
    ++stats_.request_truncated;
  } else if (!ex.request_body.empty()) {
    if (json_.parse(ex.request_body.data(), ex.request_body.size()).get(root) == simdjson::SUCCESS)
      body = &root;
    else
      ++stats_.decode_errors;
  }
  if (!ex.entry) {
    ex.entry = match_body(ex.route, body, ex.request_body);
    if (!ex.entry) {
      ex.not_llm = true;
      ex.request_body = std::string();
      release(ex);
      return;
    }
  }
  ex.decoder = ex.entry->create(decoder_options_);
  try {
    ex.decoder->on_request(ex.route, body, call);
    if (!body && call.request_truncated) {
      // A huge prompt: recover the fields SDKs put at the top level from the part we kept.
      RequestScan scan = scan_request_prefix(ex.request_body);
      if (!call.request_model && scan.model) call.request_model = *scan.model;
      if (scan.stream) call.stream = *scan.stream;
    }
  } catch (const std::exception&) {
    ++stats_.decode_errors;
  }
  if (auto provider = provider_for_host(ex.route)) call.provider = std::string(*provider);
  ex.request_body = std::string();  // release the memory now
  release(ex);
}

void LlmStage::on_response_head(ExchangeId id, const HttpResponseHead& head, uint64_t ts_ns) {
  Exchange* ex = find(id);
  if (!ex) return;
  start_decoding(*ex);
  if (ex->not_llm) return;
  LlmCall& call = ex->call;
  ex->response_seen = true;
  call.response_start_ns = ts_ns;
  call.status_code = head.status;
  call.ratelimit_remaining_requests = parse_count(head.headers.find("x-ratelimit-remaining-requests"));
  if (!call.ratelimit_remaining_requests)
    call.ratelimit_remaining_requests = parse_count(head.headers.find("anthropic-ratelimit-requests-remaining"));
  call.ratelimit_remaining_tokens = parse_count(head.headers.find("x-ratelimit-remaining-tokens"));
  if (!call.ratelimit_remaining_tokens)
    call.ratelimit_remaining_tokens = parse_count(head.headers.find("anthropic-ratelimit-tokens-remaining"));
  ex->read_until_close = reads_until_close(head);
  BodyFraming framing = BodyFraming::kWhole;
  try {
    framing = ex->decoder->on_response_head(head, call);
  } catch (const std::exception&) {
    ++stats_.decode_errors;
  }
  ex->framer.reset(framing, options_.max_body_bytes);
}

void LlmStage::on_response_body(ExchangeId id, std::span<const uint8_t> decoded, uint64_t ts_ns) {
  Exchange* ex = find(id);
  if (!ex || ex->not_llm || !ex->response_seen || ex->response_ended || decoded.empty()) return;
  LlmCall& call = ex->call;
  call.response_body_bytes += decoded.size();
  if (call.first_chunk_ns == 0) call.first_chunk_ns = ts_ns;
  call.last_chunk_ns = ts_ns;
  if (ex->framer.framing() == BodyFraming::kWhole && !ex->framer.whole_truncated() &&
      !reserve(*ex, decoded.size())) {
    ex->framer.abandon_whole();
    return;
  }
  ValueDispatcher dispatch(*this, *ex, ts_ns);
  ex->framer.feed(std::string_view(reinterpret_cast<const char*>(decoded.data()), decoded.size()), dispatch);
}

void LlmStage::on_response_end(ExchangeId id, BodyEnd end, uint64_t ts_ns) {
  Exchange* ex = find(id);
  if (!ex || ex->not_llm || !ex->response_seen || ex->response_ended) return;
  ex->response_ended = true;
  ex->response_end = end;
  bool complete = end == BodyEnd::kComplete || (end == BodyEnd::kClosed && ex->read_until_close);
  ValueDispatcher dispatch(*this, *ex, ts_ns);
  ex->framer.finish(complete, dispatch);
  release(*ex);
}

void LlmStage::on_frame(Exchange& ex, std::string_view event, std::string_view data, uint64_t ts_ns) {
  data = trim(data);
  if (data.empty()) return;
  if (data == "[DONE]") {
    ex.done_marker = true;
    return;
  }
  simdjson::dom::element value;
  if (json_.parse(data.data(), data.size()).get(value) != simdjson::SUCCESS) {
    ++stats_.decode_errors;
    return;
  }
  bool output = false;
  try {
    output = ex.decoder->on_response_value(event, value, ex.call);
  } catch (const std::exception&) {
    ++stats_.decode_errors;
    return;
  }
  if (!output || ex.framer.framing() == BodyFraming::kWhole) return;
  LlmCall& call = ex.call;
  ++call.chunk_count;
  if (ex.last_output_ns != 0 && ts_ns >= ex.last_output_ns) {
    double gap = double(ts_ns - ex.last_output_ns) / 1e9;
    ex.gap_sum_s += gap;
    ++ex.gap_count;
    if (gap > call.max_chunk_gap_s) call.max_chunk_gap_s = gap;
    call.mean_chunk_gap_s = ex.gap_sum_s / double(ex.gap_count);
  }
  ex.last_output_ns = ts_ns;
}

void LlmStage::on_exchange_done(ExchangeId id, const ConnMeta& conn, uint64_t ts_ns) {
  auto it = live_.find(id);
  if (it == live_.end()) {
    if (!ignored_.erase(id)) ++stats_.unknown_exchange_events;
    return;
  }
  std::unique_ptr<Exchange> ex = std::move(it->second);
  live_.erase(it);
  ex->call.conn = conn;
  finalize(*ex, ts_ns);
}

void LlmStage::finalize(Exchange& ex, uint64_t ts_ns) {
  start_decoding(ex);
  release(ex);
  if (ex.not_llm) {
    ++stats_.non_llm_exchanges;
    return;
  }
  LlmCall& call = ex.call;
  call.end_ns = ts_ns;
  if (!ex.response_seen) {
    call.incomplete = true;
    call.incomplete_reason = "no_response";
  } else if (!ex.response_ended) {
    // Done (or replaced) before the response ended: connection closed, bytes lost, process exit.
    ValueDispatcher dispatch(*this, ex, ts_ns);
    ex.framer.finish(false, dispatch);
    release(ex);
    call.incomplete = true;
    call.incomplete_reason = "closed";
  } else {
    switch (ex.response_end) {
      case BodyEnd::kComplete:
        break;
      case BodyEnd::kClosed:
        if (!ex.read_until_close) {
          call.incomplete = true;
          call.incomplete_reason = "closed";
        }
        break;
      case BodyEnd::kGap:
        call.incomplete = true;
        call.incomplete_reason = "gap";
        break;
      case BodyEnd::kTruncated:
        call.response_truncated = true;
        call.incomplete = true;
        call.incomplete_reason = "truncated";
        break;
      case BodyEnd::kMalformed:
        call.incomplete = true;
        call.incomplete_reason = "malformed";
        break;
    }
  }
  if (ex.framer.whole_truncated() || ex.framer.frames_dropped() > 0) call.response_truncated = true;
  if (ex.framer.malformed() && !call.incomplete) {
    call.incomplete = true;
    call.incomplete_reason = "malformed";
  }
  bool ok_status = call.status_code && *call.status_code >= 200 && *call.status_code < 300;
  bool streamed = ex.framer.framing() != BodyFraming::kWhole && ex.framer.framing() != BodyFraming::kOpaque;
  try {
    ex.decoder->finish(call);
    // A stream that ended cleanly on the wire but never reached the API's end marker was cut
    // short upstream (e.g. a proxy): its counts are not final.
    if (!call.incomplete && ok_status && streamed && !ex.done_marker && !ex.decoder->saw_end()) {
      call.incomplete = true;
      call.incomplete_reason = "unfinished";
    }
    if (!call.incomplete && !call.response_truncated && ok_status && !call.error_type &&
        !ex.decoder->saw_usage())
      call.usage_missing = true;
  } catch (const std::exception&) {
    ++stats_.decode_errors;
  }
  if (call.status_code && *call.status_code >= 400 && !call.error_type)
    call.error_type = std::to_string(*call.status_code);

  if (!call.cost_usd) call.cost_usd = prices_.cost(call);  // a decoder may have the billed cost
  if (!call.cost_usd) ++stats_.unpriced_calls;
  if (call.usage_missing) ++stats_.usage_missing;
  if (call.incomplete) ++stats_.incomplete_calls;
  if (call.response_truncated) ++stats_.response_truncated;
  ++stats_.llm_calls;
  sink_.on_llm_call(std::move(call));
}

}  // namespace agentprof
