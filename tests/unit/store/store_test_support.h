// Shared by the store tests: a temporary store path removed afterwards, and varied spans.
#pragma once

#include <unistd.h>

#include <string>
#include <vector>

#include "store/span_store.h"
#include "trace/span.h"

namespace agentprof::test {

struct TempStorePath {
  std::string path;
  TempStorePath() {
    char dir[] = "/tmp/agentprof-store-test-XXXXXX";
    path = std::string(mkdtemp(dir)) + "/spans.db";
  }
  ~TempStorePath() {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) unlink((path + suffix).c_str());
    rmdir(path.substr(0, path.rfind('/')).c_str());
  }
};

inline SpanStoreOptions store_options(const std::string& path) {
  SpanStoreOptions o;
  o.path = path;
  o.max_age_s = 0;  // the test spans are from 2023: age retention would delete them at once
  return o;
}

// Span i of a varied set: three providers/models/processes, errors, unknown usage, untimed spans,
// streams with TTFT, unpriced calls. Start times are 1 s apart from `base_ns`.
inline Span varied_span(int i, uint64_t base_ns = 1'700'000'000'000'000'000ull) {
  static const char* providers[] = {"openai", "anthropic", "gcp.gemini"};
  static const char* models[] = {"gpt-4o", "claude-sonnet-4", "gemini-2.5-flash"};
  static const char* processes[] = {"python3", "node", "claude"};
  Span s;
  s.trace_id[0] = uint8_t(i + 1);
  s.trace_id[1] = 0xAB;  // never all zero (an invalid id the JSONL reader rejects)
  s.trace_id[15] = uint8_t(i >> 8);
  s.span_id[0] = uint8_t(i + 1);
  s.span_id[1] = 0xCD;
  s.span_id[7] = uint8_t(i >> 8);
  s.name = std::string("chat ") + models[i % 3];
  s.start_unix_ns = base_ns + uint64_t(i) * 1'000'000'000ull;
  s.end_unix_ns = s.start_unix_ns + uint64_t(100 + 37 * (i % 11)) * 1'000'000ull;
  s.attributes = {{"gen_ai.operation.name", std::string(i % 7 == 6 ? "embeddings" : "chat")},
                  {"gen_ai.provider.name", std::string(providers[i % 3])},
                  {"gen_ai.request.model", std::string(models[(i / 3) % 3])},
                  {"gen_ai.request.stream", i % 2 == 0}};
  if (i % 5 != 4) s.attributes.push_back({"gen_ai.usage.input_tokens", int64_t(10 * i + 3)});
  if (i % 4 != 3) s.attributes.push_back({"gen_ai.usage.output_tokens", int64_t(i + 1)});
  if (i % 2 == 0) s.attributes.push_back({"gen_ai.response.time_to_first_chunk", 0.05 + 0.013 * (i % 9)});
  s.attributes.push_back({"process.pid", int64_t(1000 + i % 3)});
  s.attributes.push_back({"process.executable.name", std::string(processes[i % 3])});
  s.attributes.push_back({"gen_ai.response.finish_reasons", std::vector<std::string>{"stop"}});
  if (i % 3 != 2) s.attributes.push_back({"agentprof.cost_usd", 0.0001 * (i + 1)});
  if (i % 13 == 12) s.attributes.push_back({"agentprof.timing.missing", true});
  if (i % 6 == 5) {
    s.error = true;
    s.status_message = "HTTP 429";
    s.attributes.push_back({"error.type", std::string("429")});
  }
  return s;
}

}  // namespace agentprof::test
