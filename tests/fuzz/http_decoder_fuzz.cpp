// Content decoders on arbitrary input: the first byte picks the coding chain and split size.
// Output must stay within the consumer's cap, and splitting must not change the output.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "http/content_decoder.h"

using namespace agentprof;

namespace {

struct Capped final : ByteConsumer {
  std::string out;
  bool consume(std::span<const uint8_t> b) override {
    out.append(reinterpret_cast<const char*>(b.data()), b.size());
    return out.size() < (1u << 20);
  }
};

std::pair<std::string, int> run(const std::vector<std::string>& codings, std::span<const uint8_t> in, size_t piece) {
  ContentDecoderChain chain;
  if (!chain.init(codings)) abort();
  Capped c;
  DecodeStatus st = DecodeStatus::kOk;
  for (size_t i = 0; i < in.size() && st == DecodeStatus::kOk; i += piece)
    st = chain.decode(in.subspan(i, std::min(piece, in.size() - i)), c);
  if (c.out.size() > (1u << 20) + 16384 * 4) abort();
  return {c.out, int(st)};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const std::vector<std::vector<std::string>> chains = {
      {"gzip"}, {"deflate"}, {"br"}, {"zstd"}, {"gzip", "br"}, {"br", "zstd"}, {"deflate", "gzip"}, {"x-gzip"}};
  const auto& codings = chains[data[0] % chains.size()];
  size_t piece = 1 + (data[0] >> 3) * 7;
  std::span<const uint8_t> in(data + 1, size - 1);
  auto whole = run(codings, in, in.size() + 1);
  auto split = run(codings, in, piece);
  // Errors may be found at different output points only when the output was cut by the cap.
  if (whole.second != int(DecodeStatus::kStopped) && split.second != int(DecodeStatus::kStopped)) {
    if (whole.second != split.second) abort();
    if (whole.second == int(DecodeStatus::kOk) && whole.first != split.first) abort();
  }
  return 0;
}
