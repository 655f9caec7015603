// Fuzzes the llm stage: random request/response bodies for every API family's routes and body
// framings, fed in random pieces with random body ends and call orders. Checks the stage's own
// invariants: no crash, nothing left live, every exchange accounted for once.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "llm/llm_stage.h"
#include "llm/pricing.h"

using namespace agentprof;

namespace {

struct Route {
  const char* host;
  const char* target;
  const char* content_type;
};

constexpr Route kRoutes[] = {
    {"api.openai.com", "/v1/chat/completions", "text/event-stream"},
    {"api.openai.com", "/v1/chat/completions", "application/json"},
    {"myres.openai.azure.com", "/openai/deployments/d/chat/completions?api-version=1", "text/event-stream"},
    {"api.openai.com", "/v1/responses", "text/event-stream"},
    {"api.openai.com", "/v1/responses", "application/json"},
    {"api.openai.com", "/v1/embeddings", "application/json"},
    {"api.openai.com", "/v1/completions", "text/event-stream"},
    {"api.anthropic.com", "/v1/messages?beta=true", "text/event-stream"},
    {"api.anthropic.com", "/v1/messages", "application/json"},
    {"bedrock-runtime.us-east-1.amazonaws.com", "/model/arn%3Aaws%3Ax/invoke", "application/json"},
    {"bedrock-runtime.us-east-1.amazonaws.com", "/model/anthropic.claude-x/invoke-with-response-stream",
     "application/vnd.amazon.eventstream"},
    {"us-east5-aiplatform.googleapis.com", "/v1/projects/p/locations/l/publishers/anthropic/models/c@1:streamRawPredict",
     "text/event-stream"},
    {"generativelanguage.googleapis.com", "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse",
     "text/event-stream"},
    {"generativelanguage.googleapis.com", "/v1beta/models/gemini-2.5-pro:streamGenerateContent", "application/json"},
    {"generativelanguage.googleapis.com", "/v1beta/models/gemini-2.5-pro:generateContent", "application/json"},
    {"cloudcode-pa.googleapis.com", "/v1internal:streamGenerateContent?alt=sse", "text/event-stream"},
    {"localhost:11434", "/api/chat", "application/x-ndjson"},
    {"localhost:11434", "/api/generate", "application/json"},
    {"example.com", "/index.html", "text/html"},
};

struct NullSink : LlmCallSink {
  uint64_t calls = 0;
  void on_llm_call(LlmCall&& call) override {
    ++calls;
    // Touch the strings so sanitizers see any bad memory in them.
    volatile size_t n = call.provider.size() + call.error_type.value_or("").size() +
                        call.output_text.value_or("").size() + call.tool_calls.size();
    (void)n;
  }
};

const PriceTable& prices() {
  static PriceTable table = [] {
    PriceTable t;
    std::string error;
    if (!t.load_defaults(error)) std::abort();
    return t;
  }();
  return table;
}

std::span<const uint8_t> bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

void feed_pieces(FuzzedDataProvider& fdp, std::string_view body, ExchangeId id, LlmStage& stage, bool response,
                 uint64_t& ts) {
  while (!body.empty()) {
    size_t n = fdp.ConsumeIntegralInRange<size_t>(1, body.size());
    if (response) stage.on_response_body(id, bytes(body.substr(0, n)), ts++);
    else stage.on_request_body(id, bytes(body.substr(0, n)), ts++);
    body.remove_prefix(n);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp(data, size);
  LlmStageOptions options;
  options.capture_content = fdp.ConsumeBool();
  options.max_body_bytes = fdp.ConsumeIntegralInRange<size_t>(16, 1 << 16);
  options.max_content_bytes = fdp.ConsumeIntegralInRange<size_t>(0, 256);
  options.max_live_exchanges = fdp.ConsumeIntegralInRange<size_t>(1, 4);
  options.max_total_buffered_bytes = fdp.ConsumeIntegralInRange<size_t>(0, 1 << 16);
  NullSink sink;
  LlmStage stage(sink, prices(), options);
  uint64_t ts = 1;
  int exchanges = fdp.ConsumeIntegralInRange<int>(1, 3);
  std::vector<ExchangeId> opened;
  for (int i = 0; i < exchanges; ++i) {
    ExchangeId id = fdp.ConsumeIntegralInRange<ExchangeId>(1, 4);
    const Route& route = kRoutes[fdp.ConsumeIntegralInRange<size_t>(0, std::size(kRoutes) - 1)];
    std::string request = fdp.ConsumeRandomLengthString(4096);
    std::string response = fdp.ConsumeRandomLengthString(16384);
    ConnMeta conn;
    conn.remote.port = 443;
    HttpRequestHead req{"POST", route.target, "HTTP/1.1", {{{"host", route.host}}}};
    stage.on_request_head(id, conn, req, ts++);
    opened.push_back(id);
    feed_pieces(fdp, request, id, stage, false, ts);
    auto end = static_cast<BodyEnd>(fdp.ConsumeIntegralInRange<int>(0, 4));
    if (fdp.ConsumeBool()) stage.on_request_end(id, end, ts++);
    if (fdp.ConsumeIntegralInRange<int>(0, 9) > 0) {
      HttpResponseHead resp{fdp.ConsumeIntegralInRange<int>(100, 599), "", "HTTP/1.1",
                            {{{"content-type", route.content_type}, {"transfer-encoding", "chunked"}}}};
      stage.on_response_head(id, resp, ts++);
      feed_pieces(fdp, response, id, stage, true, ts);
      if (fdp.ConsumeBool()) stage.on_response_end(id, static_cast<BodyEnd>(fdp.ConsumeIntegralInRange<int>(0, 4)), ts++);
    }
    if (fdp.ConsumeBool()) stage.on_exchange_done(id, conn, ts++);
  }
  for (ExchangeId id : opened) stage.on_exchange_done(id, ConnMeta{}, ts++);
  const LlmStageStats& st = stage.stats();
  if (stage.live_exchanges() != 0 || stage.buffered_bytes() != 0) std::abort();
  if (st.llm_calls != sink.calls) std::abort();
  if (st.llm_calls + st.non_llm_exchanges + st.dropped_exchanges > st.exchanges_seen) std::abort();
  return 0;
}
