#include "recording_exchange_sink.h"

namespace agentprof::test {

RecordedExchange* RecordingExchangeSink::find(ExchangeId id, const char* call) {
  auto it = index_.find(id);
  if (it == index_.end()) {
    violations.push_back(std::string(call) + " for unknown id");
    return nullptr;
  }
  RecordedExchange& ex = exchanges[it->second];
  if (ex.done) violations.push_back(std::string(call) + " after done");
  return &ex;
}

void RecordingExchangeSink::add_log(const std::string& entry, bool mergeable_body) {
  // Body pieces of one message are merged: the split of the input must not show here.
  if (mergeable_body && !log.empty()) {
    size_t colon = entry.find(':');
    if (log.back().compare(0, colon + 1, entry, 0, colon + 1) == 0) {
      log.back().append(entry, colon + 1);
      return;
    }
  }
  log.push_back(entry);
}

void RecordingExchangeSink::on_request_head(ExchangeId id, const ConnMeta&, const HttpRequestHead& head, uint64_t ts) {
  if (index_.count(id)) violations.push_back("request head twice");
  index_[id] = exchanges.size();
  RecordedExchange ex;
  ex.id = id;
  ex.request = head;
  ex.request_ts = ts;
  exchanges.push_back(ex);
  std::string e = "req " + std::to_string(index_[id]) + " " + head.method + " " + head.target + " " + head.version;
  everything += head.method + " " + head.target + "\n";
  for (const auto& h : head.headers.items) {
    e += " [" + h.name + "=" + h.value + "]";
    everything += h.name + ": " + h.value + "\n";
  }
  add_log(e, false);
}

void RecordingExchangeSink::on_request_body(ExchangeId id, std::span<const uint8_t> d, uint64_t) {
  RecordedExchange* ex = find(id, "request body");
  if (!ex) return;
  if (ex->request_end) violations.push_back("request body after request end");
  std::string text(reinterpret_cast<const char*>(d.data()), d.size());
  ex->request_body += text;
  everything += text;
  add_log("reqbody " + std::to_string(index_[id]) + ":" + text, true);
}

void RecordingExchangeSink::on_request_end(ExchangeId id, BodyEnd end, uint64_t ts) {
  RecordedExchange* ex = find(id, "request end");
  if (!ex) return;
  if (ex->request_end) violations.push_back("request end twice");
  ex->request_end = end;
  ex->request_end_ts = ts;
  add_log("reqend " + std::to_string(index_[id]) + " " + to_string(end), false);
}

void RecordingExchangeSink::on_response_head(ExchangeId id, const HttpResponseHead& head, uint64_t ts) {
  RecordedExchange* ex = find(id, "response head");
  if (!ex) return;
  if (!ex->request_end) violations.push_back("response head before request end");
  if (ex->response) violations.push_back("response head twice");
  ex->response = head;
  ex->response_ts = ts;
  std::string e = "resp " + std::to_string(index_[id]) + " " + std::to_string(head.status) + " " + head.reason;
  for (const auto& h : head.headers.items) {
    e += " [" + h.name + "=" + h.value + "]";
    everything += h.name + ": " + h.value + "\n";
  }
  add_log(e, false);
}

void RecordingExchangeSink::on_response_body(ExchangeId id, std::span<const uint8_t> d, uint64_t ts) {
  RecordedExchange* ex = find(id, "response body");
  if (!ex) return;
  if (!ex->response || ex->response_end) violations.push_back("response body outside response");
  std::string text(reinterpret_cast<const char*>(d.data()), d.size());
  ex->response_body += text;
  ex->response_body_ts.push_back(ts);
  everything += text;
  add_log("respbody " + std::to_string(index_[id]) + ":" + text, true);
}

void RecordingExchangeSink::on_response_end(ExchangeId id, BodyEnd end, uint64_t ts) {
  RecordedExchange* ex = find(id, "response end");
  if (!ex) return;
  if (!ex->response || ex->response_end) violations.push_back("response end without head or twice");
  ex->response_end = end;
  ex->response_end_ts = ts;
  add_log("respend " + std::to_string(index_[id]) + " " + to_string(end), false);
}

void RecordingExchangeSink::on_exchange_done(ExchangeId id, const ConnMeta&, uint64_t ts) {
  RecordedExchange* ex = find(id, "done");
  if (!ex) return;
  if (ex->response && !ex->response_end) violations.push_back("done with response in progress");
  if (!ex->request_end) violations.push_back("done before request end");
  ex->done = true;
  ex->done_ts = ts;
  add_log("done " + std::to_string(index_[id]), false);
}

}  // namespace agentprof::test
