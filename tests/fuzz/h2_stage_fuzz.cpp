// HTTP/2 through the http stage. The input is a script of frames rather than raw bytes, so the
// fuzzer gets past the preface and HPACK: header blocks come from real encoders (one per
// direction, fields picked by the input), other frames carry input bytes, and random splits, gaps,
// raw garbage and bad settings are mixed in. Checks the ExchangeSink contract and that nothing is
// left open after the close.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "../unit/http/h2_test_frames.h"
#include "checking_exchange_sink.h"
#include "http/http_stage.h"

using namespace agentprof;
using agentprof::fuzz::CheckingSink;
using agentprof::test::HpackEncoder;
using agentprof::test::h2_frame;

namespace {

const char* const kNames[] = {":method", ":path", ":authority", ":status", "content-encoding",
                              "content-type", "authorization", "x-api-key", "host", "te"};
const char* const kValues[] = {"POST", "/v1/messages", "api.anthropic.com", "200", "gzip", "103",
                               "text/event-stream", "Bearer sk-SECRET", "", "br", "999", "x"};

struct Input {
  const uint8_t* data;
  size_t size;
  size_t at = 0;
  bool done() const { return at >= size; }
  uint8_t byte() { return at < size ? data[at++] : 0; }
  std::string bytes(size_t n) {
    n = std::min(n, size - std::min(at, size));
    std::string s(reinterpret_cast<const char*>(data + at), n);
    at += n;
    return s;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CheckingSink sink;
  HttpLimits limits;
  limits.max_head_bytes = 512;
  limits.max_decoded_body_bytes = 4096;
  limits.max_open_exchanges = 4;
  HttpStage stage(sink, limits);
  ConnMeta meta;
  meta.key = ConnKey{1, Transport::kTls, 7, 1};
  HpackEncoder encoders[2];
  Input in{data, size};
  uint64_t ts = 1;
  auto deliver = [&](Direction dir, const std::string& bytes, uint8_t split) {
    // Split into pieces of 1 + split % 16 bytes now and then, to cross frame boundaries.
    size_t piece = split & 0x80 ? 1 + split % 16 : bytes.size();
    for (size_t i = 0; i < bytes.size(); i += piece)
      stage.on_bytes(meta, dir, ts++, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()) + i,
                                                                std::min(piece, bytes.size() - i)));
  };
  deliver(Direction::kEgress, agentprof::test::kH2Preface, 0);
  while (!in.done()) {
    uint8_t ctl = in.byte();
    Direction dir = (ctl & 1) ? Direction::kIngress : Direction::kEgress;
    uint32_t stream = 1 + 2 * ((ctl >> 4) & 3);  // streams 1, 3, 5, 7
    uint8_t flags = in.byte();
    std::string frame;
    switch ((ctl >> 1) & 7) {
      case 0: {  // header block from the direction's encoder, maybe split with CONTINUATION
        std::vector<std::pair<std::string, std::string>> fields;
        for (int n = in.byte() % 6; n > 0; n--) {
          uint8_t pick = in.byte();
          fields.push_back({kNames[pick % 10], kValues[(pick >> 4) % 12]});
        }
        std::string block = encoders[dir == Direction::kIngress].encode(fields);
        if (flags & 0x40 && block.size() > 1) {
          frame = h2_frame(agentprof::test::kH2Headers, flags & 0x1, stream, block.substr(0, 1)) +
                  h2_frame(agentprof::test::kH2Continuation, 0x4, stream, block.substr(1));
        } else {
          frame = h2_frame(agentprof::test::kH2Headers, (flags & 0x29) | 0x4, stream, block);
        }
        break;
      }
      case 1:
        frame = h2_frame(agentprof::test::kH2Data, flags & 0x9, stream, in.bytes(in.byte() % 64));
        break;
      case 2:
        frame = h2_frame(agentprof::test::kH2RstStream, 0, stream, in.bytes(4));
        break;
      case 3:
        frame = h2_frame(agentprof::test::kH2Settings, flags & 0x1, 0, in.bytes(6 * (in.byte() % 4)));
        break;
      case 4:  // any frame type with input bytes as payload
        frame = h2_frame(in.byte() % 12, flags, stream, in.bytes(in.byte() % 32));
        break;
      case 5:
        stage.on_gap(meta, dir, 10);
        continue;
      case 6:
        frame = in.bytes(in.byte() % 16);  // raw bytes: misaligned frames
        break;
      default:
        frame = h2_frame(agentprof::test::kH2PushPromise, 0x4, stream,
                         std::string("\0\0\0\x02", 4) + encoders[1].encode({{":path", "/pushed"}}));
        break;
    }
    deliver(dir, frame, flags);
  }
  stage.on_close(meta, CloseReason::kShutdown, ts + 1);
  for (const auto& [id, p] : sink.phase)
    if (p != CheckingSink::kDone) abort();
  if (stage.stats().open_connections != 0) abort();
  return 0;
}
