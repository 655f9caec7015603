#include <catch2/catch.hpp>

#include <random>

#include "http/content_decoder.h"
#include "stage_harness.h"
#include "test_compression.h"

using namespace agentprof;
using namespace agentprof::test;

namespace {

struct Collect final : ByteConsumer {
  std::string out;
  size_t pieces = 0;
  size_t stop_after = SIZE_MAX;
  bool consume(std::span<const uint8_t> b) override {
    out.append(reinterpret_cast<const char*>(b.data()), b.size());
    ++pieces;
    return out.size() < stop_after;
  }
};

std::string sample_text() {
  std::string s;
  for (int i = 0; i < 2000; ++i) s += "data: {\"choices\":[{\"delta\":{\"content\":\"tok" + std::to_string(i) + "\"}}]}\n\n";
  return s;
}

// Decodes `encoded` through a chain for `codings`, fed in pieces of random sizes.
std::pair<std::string, DecodeStatus> decode_split(const std::vector<std::string>& codings, std::string_view encoded,
                                                  unsigned seed, bool* finished = nullptr) {
  ContentDecoderChain chain;
  REQUIRE(chain.init(codings));
  Collect c;
  std::mt19937 rng(seed);
  std::uniform_int_distribution<size_t> dist(1, 300);
  DecodeStatus st = DecodeStatus::kOk;
  for (size_t i = 0; i < encoded.size() && st == DecodeStatus::kOk;) {
    size_t n = seed == 0 ? encoded.size() : std::min(dist(rng), encoded.size() - i);
    st = chain.decode(as_bytes(encoded.substr(i, n)), c);
    i += n;
  }
  if (finished) *finished = chain.finished();
  return {c.out, st};
}

}  // namespace

TEST_CASE("each coding decodes whole and split", "[http][decoder]") {
  const std::string text = sample_text();
  struct Case {
    std::vector<std::string> codings;
    std::string encoded;
  };
  std::vector<Case> cases = {
      {{"gzip"}, gzip_compress(text)},
      {{"x-gzip"}, gzip_compress(text)},
      {{"deflate"}, zlib_compress(text)},
      {{"deflate"}, raw_deflate_compress(text)},
      {{"br"}, brotli_compress(text)},
      {{"zstd"}, zstd_compress(text)},
      {{"gzip", "br"}, brotli_compress(gzip_compress(text))},
      {{"zstd", "identity", "gzip"}, gzip_compress(zstd_compress(text))},
  };
  for (const auto& c : cases) {
    for (unsigned seed : {0u, 1u, 2u, 3u}) {
      INFO(c.codings.front() << " seed " << seed);
      bool finished = false;
      auto [out, st] = decode_split(c.codings, c.encoded, seed, &finished);
      CHECK(st == DecodeStatus::kOk);
      CHECK(out == text);
      CHECK(finished);
    }
  }
}

TEST_CASE("multi-member gzip and concatenated zstd frames", "[http][decoder]") {
  bool finished = false;
  auto [g, gs] = decode_split({"gzip"}, gzip_compress("first,") + gzip_compress("second"), 1, &finished);
  CHECK(gs == DecodeStatus::kOk);
  CHECK(g == "first,second");
  CHECK(finished);
  auto [z, zs] = decode_split({"zstd"}, zstd_compress("one,") + zstd_compress("two"), 1, &finished);
  CHECK(zs == DecodeStatus::kOk);
  CHECK(z == "one,two");
  CHECK(finished);
}

TEST_CASE("output arrives incrementally, not at the end", "[http][decoder]") {
  const std::string text = sample_text();
  const std::string gz = gzip_compress(text);
  ContentDecoderChain chain;
  REQUIRE(chain.init({"gzip"}));
  Collect c;
  REQUIRE(chain.decode(as_bytes(std::string_view(gz).substr(0, gz.size() / 2)), c) == DecodeStatus::kOk);
  CHECK(c.out.size() > text.size() / 4);
  CHECK(text.compare(0, c.out.size(), c.out) == 0);
  CHECK_FALSE(chain.finished());
}

TEST_CASE("the consumer can stop a bomb", "[http][decoder]") {
  for (const char* coding : {"gzip", "br", "zstd"}) {
    INFO(coding);
    std::string big(32u << 20, 'A');
    std::string enc = std::string(coding) == "gzip" ? gzip_compress(big)
                      : std::string(coding) == "br" ? brotli_compress(big)
                                                     : zstd_compress(big);
    ContentDecoderChain chain;
    REQUIRE(chain.init({coding}));
    Collect c;
    c.stop_after = 100000;
    CHECK(chain.decode(as_bytes(enc), c) == DecodeStatus::kStopped);
    CHECK(c.out.size() < 100000 + 16384 + 1);
  }
}

TEST_CASE("corrupt input and trailing garbage are errors", "[http][decoder]") {
  for (const char* coding : {"gzip", "deflate", "br", "zstd"}) {
    INFO(coding);
    ContentDecoderChain chain;
    REQUIRE(chain.init({coding}));
    Collect c;
    CHECK(chain.decode(as_bytes("\xff\xff\xff\xff garbage that is not compressed \xff\xff"), c) == DecodeStatus::kError);
    CHECK(chain.decode(as_bytes("more"), c) == DecodeStatus::kError);  // stays failed
  }
  ContentDecoderChain chain;
  REQUIRE(chain.init({"br"}));
  Collect c;
  CHECK(chain.decode(as_bytes(brotli_compress("x") + "tail"), c) == DecodeStatus::kError);
  CHECK(c.out == "x");
}

TEST_CASE("unsupported codings are refused", "[http][decoder]") {
  ContentDecoderChain chain;
  CHECK_FALSE(chain.init({"gzip", "compress"}));
  CHECK(chain.empty());
  CHECK(make_content_decoder("lzma") == nullptr);
  CHECK(make_content_decoder("gzip") != nullptr);
}
