#include "http/content_decoder.h"

#include "http/brotli_decoder.h"
#include "http/zlib_decoder.h"
#include "http/zstd_decoder.h"

namespace agentprof {

std::unique_ptr<ContentDecoder> make_content_decoder(std::string_view coding) {
  if (coding == "gzip" || coding == "x-gzip") return std::make_unique<ZlibDecoder>(ZlibDecoder::Format::kGzip);
  if (coding == "deflate") return std::make_unique<ZlibDecoder>(ZlibDecoder::Format::kDeflate);
  if (coding == "br") return std::make_unique<BrotliDecoder>();
  if (coding == "zstd") return std::make_unique<ZstdDecoder>();
  return nullptr;
}

bool ContentDecoderChain::init(const std::vector<std::string>& applied) {
  clear();
  for (auto it = applied.rbegin(); it != applied.rend(); ++it) {
    if (*it == "identity") continue;
    auto d = make_content_decoder(*it);
    if (!d) {
      clear();
      return false;
    }
    stages_.push_back(std::move(d));
  }
  return true;
}

DecodeStatus ContentDecoderChain::decode(std::span<const uint8_t> in, ByteConsumer& out) {
  if (in.empty() || stages_.empty()) return DecodeStatus::kOk;
  saw_input_ = true;
  return decode_from(0, in, out);
}

DecodeStatus ContentDecoderChain::decode_from(size_t stage, std::span<const uint8_t> in, ByteConsumer& out) {
  if (stage + 1 == stages_.size()) return stages_[stage]->decode(in, out);
  // Chains are at most a few stages deep; recursion keeps each link on the stack.
  struct Rest final : ByteConsumer {
    ContentDecoderChain& chain;
    size_t next;
    ByteConsumer& out;
    DecodeStatus status = DecodeStatus::kOk;
    Rest(ContentDecoderChain& c, size_t n, ByteConsumer& o) : chain(c), next(n), out(o) {}
    bool consume(std::span<const uint8_t> bytes) override {
      status = chain.decode_from(next, bytes, out);
      return status == DecodeStatus::kOk;
    }
  } rest(*this, stage + 1, out);
  DecodeStatus s = stages_[stage]->decode(in, rest);
  if (rest.status != DecodeStatus::kOk) return rest.status;  // a later stage failed or stopped
  return s;
}

bool ContentDecoderChain::finished() const {
  if (!saw_input_) return true;
  for (const auto& s : stages_)
    if (!s->finished()) return false;
  return true;
}

}  // namespace agentprof
