// OTLP export throughput: realistic LLM-call spans (~25 attributes) pushed through
// OtlpHttpExporter to a local cpp-httplib receiver that only counts bytes. Reports spans/s
// exported and the exporter thread's CPU per span (the exporter uses one thread: <= 1 core).
//   bench_otlp_export [spans=500000] [gzip=0|1]
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "exporters/otlp/otlp_http_exporter.h"
#include "trace/attribute_names.h"

using namespace agentprof;
using namespace std::chrono_literals;

namespace {

Span realistic_span(uint64_t n) {
  Span s;
  for (size_t i = 0; i < 8; ++i) {
    s.trace_id[i] = uint8_t(n >> (8 * i));
    s.trace_id[8 + i] = uint8_t(0x5a + i);
    s.span_id[i] = uint8_t((n * 2654435761u) >> (8 * i));
  }
  s.span_id[0] |= 1;  // never the all-zero (invalid) id
  s.name = "chat gpt-4o-mini";
  s.start_unix_ns = 1763800000000000000ull + n * 1000;
  s.end_unix_ns = s.start_unix_ns + 850000000;
  s.attributes = {
      {attr::kOperationName, std::string("chat")},
      {attr::kProviderName, std::string("openai")},
      {attr::kRequestModel, std::string("gpt-4o-mini")},
      {attr::kResponseModel, std::string("gpt-4o-mini-2024-07-18")},
      {attr::kResponseId, std::string("chatcmpl-AbCdEf0123456789") + std::to_string(n)},
      {attr::kRequestStream, true},
      {attr::kRequestMaxTokens, int64_t(1024)},
      {attr::kRequestTemperature, 0.7},
      {attr::kResponseFinishReasons, std::vector<std::string>{"stop"}},
      {attr::kUsageInputTokens, int64_t(1200 + n % 100)},
      {attr::kUsageOutputTokens, int64_t(300 + n % 50)},
      {attr::kResponseTimeToFirstChunk, 0.231},
      {attr::kServerAddress, std::string("api.openai.com")},
      {attr::kServerPort, int64_t(443)},
      {attr::kHttpRequestMethod, std::string("POST")},
      {attr::kUrlPath, std::string("/v1/chat/completions")},
      {attr::kHttpResponseStatusCode, int64_t(200)},
      {attr::kProcessPid, int64_t(4242)},
      {attr::kProcessExecutableName, std::string("python3")},
      {attr::kApi, std::string("openai.chat")},
      {attr::kOutputChunks, int64_t(87)},
      {attr::kChunkGapMeanS, 0.0071},
      {attr::kChunkGapMaxS, 0.052},
      {attr::kCostUsd, 0.000362},
      {attr::kToolCallsNames, std::vector<std::string>{"read_file", "grep"}},
  };
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t total = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 500000;
  const bool gzip = argc > 2 && argv[2][0] == '1';

  httplib::Server server;
  std::atomic<uint64_t> bytes_in{0};
  server.Post("/v1/traces", [&](const httplib::Request& req, httplib::Response& res) {
    bytes_in += req.body.size();
    res.status = 200;
  });
  server.set_keep_alive_timeout(1);  // quick stop() at the end
  int port = server.bind_to_any_port("127.0.0.1");
  std::thread server_thread([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(1ms);

  otlp::OtlpExporterConfig config;
  config.endpoint = "http://127.0.0.1:" + std::to_string(port);
  config.gzip = gzip;
  config.batch_delay = 200ms;
  std::vector<Span> templates;
  for (uint64_t i = 0; i < 1024; ++i) templates.push_back(realistic_span(i));

  otlp::OtlpHttpExporter exporter(config);
  const auto t0 = std::chrono::steady_clock::now();
  uint64_t offered = 0;
  while (offered < total) {
    // Stay under the queue bound: the benchmark measures export, not drops.
    otlp::OtlpExporterStats now = exporter.stats();
    if (now.queue_depth + config.max_batch_spans >= config.max_queue_spans ||
        now.queue_bytes + config.max_request_bytes >= config.max_queue_bytes) {
      std::this_thread::sleep_for(200us);
      continue;
    }
    for (int i = 0; i < 256 && offered < total; ++i, ++offered) exporter.on_span(templates[offered % 1024]);
  }
  exporter.flush(60s);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  otlp::OtlpExporterStats st = exporter.stats();
  exporter.shutdown(5s);
  server.stop();
  server_thread.join();

  const double cpu_s = double(st.worker_cpu_ns) / 1e9;
  std::printf("otlp export: %llu spans in %.3f s = %.0f spans/s (gzip=%d)\n",
              (unsigned long long)st.spans_exported, secs, double(st.spans_exported) / secs, gzip ? 1 : 0);
  std::printf("exporter thread CPU: %.3f s = %.2f cores, %.2f us/span; %llu requests, %.1f MB sent, "
              "dropped %llu, invalid %llu, failed %llu\n",
              cpu_s, cpu_s / secs, cpu_s * 1e6 / double(std::max<uint64_t>(st.spans_exported, 1)),
              (unsigned long long)st.requests_ok, double(st.bytes_sent) / 1e6,
              (unsigned long long)st.spans_dropped_queue_full, (unsigned long long)st.spans_invalid,
              (unsigned long long)st.spans_failed);
  return st.spans_exported == total ? 0 : 1;
}
