// Inserts realistic spans into a fresh embedded store and reports spans/s, measured from the first
// on_span to the end of flush() (everything committed). Target: >= 50k spans/s.
//   cmake --build <dir> --target store_insert_bench && <dir>/bench/store_insert_bench [spans] [dir]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "store/span_store.h"

using namespace agentprof;

int main(int argc, char** argv) {
  int spans = argc > 1 ? std::atoi(argv[1]) : 200000;
  std::string dir = argc > 2 ? argv[2] : "/tmp";
  std::string path = dir + "/agentprof-store-bench-" + std::to_string(getpid()) + ".db";

  SpanStoreOptions options;
  options.path = path;
  options.max_queue = size_t(spans) + 1;  // measure the writer, not drops
  std::string error;
  auto store = SpanStore::open(options, &error);
  if (!store) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  Span s;
  s.name = "chat gpt-4o-mini";
  s.attributes = {{"gen_ai.operation.name", std::string("chat")},
                  {"gen_ai.provider.name", std::string("openai")},
                  {"gen_ai.request.model", std::string("gpt-4o-mini")},
                  {"gen_ai.response.model", std::string("gpt-4o-mini-2024-07-18")},
                  {"gen_ai.response.id", std::string("chatcmpl-AbCdEfGhIjKlMnOpQrStUvWxYz")},
                  {"gen_ai.request.stream", true},
                  {"gen_ai.response.finish_reasons", std::vector<std::string>{"stop"}},
                  {"gen_ai.usage.input_tokens", int64_t(1234)},
                  {"gen_ai.usage.output_tokens", int64_t(321)},
                  {"gen_ai.response.time_to_first_chunk", 0.412},
                  {"server.address", std::string("api.openai.com")},
                  {"server.port", int64_t(443)},
                  {"http.request.method", std::string("POST")},
                  {"url.path", std::string("/v1/chat/completions")},
                  {"http.response.status_code", int64_t(200)},
                  {"process.pid", int64_t(4242)},
                  {"process.executable.name", std::string("python3")},
                  {"agentprof.api", std::string("openai.chat_completions")},
                  {"agentprof.output_chunks", int64_t(87)},
                  {"agentprof.cost_usd", 0.00037776},
                  {"agentprof.request.body_bytes", int64_t(5310)},
                  {"agentprof.response.body_bytes", int64_t(20144)}};
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < spans; ++i) {
    s.trace_id[0] = uint8_t(i);
    s.trace_id[1] = uint8_t(i >> 8);
    s.span_id[0] = uint8_t(i);
    s.start_unix_ns = 1'700'000'000'000'000'000ull + uint64_t(i) * 1'000'000;
    s.end_unix_ns = s.start_unix_ns + 900'000'000;
    store->on_span(s);
  }
  double enqueue_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  store->flush();
  double total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  SpanStoreStats st = store->stats();
  std::printf("spans=%d written=%llu dropped=%llu errors=%llu enqueue_s=%.3f total_s=%.3f "
              "spans_per_s=%.0f\n",
              spans, (unsigned long long)st.written, (unsigned long long)st.dropped_queue_full,
              (unsigned long long)st.write_errors, enqueue_s, total_s, spans / total_s);
  store.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) unlink((path + suffix).c_str());
  return st.written == uint64_t(spans) ? 0 : 1;
}
