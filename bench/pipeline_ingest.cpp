// Userspace pipeline throughput from recorded capture records, one thread: ring-buffer records
// (bpf/events.h) -> decode -> capture router -> stream table -> http -> llm -> spans.
// Workload: many connections, each one streamed OpenAI chat completion whose SSE response is
// cut into 16 KiB records, as the kernel side emits them.
//
//   bench_pipeline_ingest [--mb 512] [--stream-only]
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "capture/capture_router.h"
#include "capture/record_decoder.h"
#include "http/http_stage.h"
#include "llm/llm_stage.h"
#include "llm/pricing.h"
#include "stream/stream_table.h"
#include "trace/span_builder.h"

using namespace agentprof;

namespace {

struct CountingSpans : SpanSink {
  uint64_t spans = 0;
  void on_span(const Span&) override { spans++; }
};

// Stands for the next stage: reads every delivered byte (a checksum), so the number includes
// touching the data, not just passing pointers along.
struct NullStream : StreamSink {
  uint64_t bytes = 0, checksum = 0;
  void on_bytes(const ConnMeta&, Direction, uint64_t, std::span<const uint8_t> b) override {
    bytes += b.size();
    // Eight bytes at a time: every byte is read, at a cost that does not hinge on whether the
    // compiler happened to vectorise a byte loop (which swung this bench between builds).
    size_t i = 0;
    for (; i + 8 <= b.size(); i += 8) {
      uint64_t w;
      std::memcpy(&w, b.data() + i, 8);
      checksum += w;
    }
    for (; i < b.size(); i++) checksum += b[i];
  }
  void on_gap(const ConnMeta&, Direction, uint64_t) override {}
  void on_close(const ConnMeta&, CloseReason, uint64_t) override {}
};

std::string sse_response(int chunks) {
  std::string body;
  for (int i = 0; i < chunks; i++) {
    std::string ev = "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                     "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
                     "\"token " + std::to_string(i) + " lorem ipsum dolor sit amet\"},\"finish_reason\":null}]}\n\n";
    char size[16];
    snprintf(size, sizeof(size), "%zx\r\n", ev.size());
    body += size + ev + "\r\n";
  }
  std::string last = "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\","
                     "\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":" +
                     std::to_string(chunks) + ",\"total_tokens\":99}}\n\ndata: [DONE]\n\n";
  char size[16];
  snprintf(size, sizeof(size), "%zx\r\n", last.size());
  body += size + last + "\r\n0\r\n\r\n";
  return "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n" + body;
}

void emit(std::vector<std::vector<uint8_t>>& out, uint32_t tgid, uint64_t conn, uint8_t dir,
          const std::string& bytes, uint64_t& ts) {
  for (size_t off = 0; off < bytes.size(); off += AP_CHUNK_SIZE) {
    size_t n = std::min<size_t>(AP_CHUNK_SIZE, bytes.size() - off);
    std::vector<uint8_t> rec(AP_DATA_HEADER_SIZE + n);
    auto* e = reinterpret_cast<ap_data_event*>(rec.data());
    e->hdr.kind = AP_EV_DATA;
    e->hdr.tgid = tgid;
    e->hdr.tid = tgid;
    e->hdr.ts_ns = ts += 1000;
    e->conn.id = conn;
    e->conn.generation = conn;
    e->conn.source = AP_SRC_TLS;
    e->pos = off;
    e->len = uint32_t(n);
    e->dir = dir;
    memcpy(e->comm, "bench", 6);
    memcpy(e->data, bytes.data() + off, n);
    out.push_back(std::move(rec));
  }
}

}  // namespace

int main(int argc, char** argv) {
  size_t target_mb = 512;
  bool stream_only = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--mb") && i + 1 < argc) target_mb = strtoul(argv[++i], nullptr, 10);
    if (!strcmp(argv[i], "--stream-only")) stream_only = true;
  }
  const std::string request =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\ncontent-type: application/json\r\n"
      "content-length: 120\r\n\r\n{\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
      "\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";
  const std::string response = sse_response(4000);  // ~750 KB per call

  // Records for 64 connections, replayed until the target volume is reached.
  std::vector<std::vector<uint8_t>> records;
  uint64_t ts = 1'000'000'000;
  for (uint64_t c = 1; c <= 64; c++) {
    emit(records, 4000000 + uint32_t(c % 4), c, AP_DIR_EGRESS, request, ts);
    emit(records, 4000000 + uint32_t(c % 4), c, AP_DIR_INGRESS, response, ts);
  }
  size_t round_bytes = 0;
  for (auto& r : records) round_bytes += r.size() - AP_DATA_HEADER_SIZE;
  size_t rounds = std::max<size_t>(1, (target_mb << 20) / round_bytes);

  PriceTable prices;
  std::string err;
  prices.load_defaults(err);
  CountingSpans spans;
  SpanBuilder builder(spans);
  LlmStage llm(builder, prices);
  HttpStage http(llm);
  NullStream null_stream;
  StreamSink& sink = stream_only ? static_cast<StreamSink&>(null_stream) : http;

  auto start = std::chrono::steady_clock::now();
  std::clock_t cpu_start = std::clock();
  uint64_t payload = 0;
  DecodeStats decode;
  for (size_t round = 0; round < rounds; round++) {
    StreamTable table(sink);
    CaptureRouter router(table, {});
    for (auto& r : records) {
      // Each round uses fresh generations so connections start at position 0 again.
      auto* e = reinterpret_cast<ap_data_event*>(r.data());
      e->conn.generation = (uint64_t(round) << 32) | e->conn.id;
      decode_record(r.data(), r.size(), router, decode);
      payload += e->len;
    }
    table.close_all(ts);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // CPU time too: on a shared machine wall time includes time the thread was not running.
  double cpu_secs = double(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  if (stream_only) printf("checksum %llu\n", (unsigned long long)null_stream.checksum);
  printf("pipeline%s: %.0f MB in %.3f s wall (%.3f s CPU) = %.2f GB/s wall, %.2f GB/s per CPU-second, %llu spans\n",
         stream_only ? " (capture+stream only)" : " (capture->stream->http->llm->spans)", payload / 1e6, secs,
         cpu_secs, payload / secs / 1e9, payload / cpu_secs / 1e9, (unsigned long long)spans.spans);
  return 0;
}
