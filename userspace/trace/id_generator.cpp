#include "trace/id_generator.h"

#include <random>

namespace agentprof {

namespace {
uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void put_le(uint8_t* out, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = uint8_t(v >> (8 * i));
}
}  // namespace

IdGenerator::IdGenerator(std::optional<uint64_t> seed) {
  uint64_t s;
  if (seed) {
    s = *seed;
  } else {
    std::random_device rd;
    s = (uint64_t(rd()) << 32) ^ rd();
    s ^= uint64_t(rd()) * 0xD6E8FEB86659FD93ull;
  }
  // splitmix64 expansion never yields the all-zero xoshiro state for four consecutive outputs.
  for (auto& word : state_) word = splitmix64(s);
}

uint64_t IdGenerator::next() {
  uint64_t result = rotl(state_[1] * 5, 7) * 9;
  uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

TraceId IdGenerator::trace_id() {
  std::lock_guard lock(mu_);
  TraceId id{};
  do {
    put_le(id.data(), next(), 8);
    put_le(id.data() + 8, next(), 8);
  } while (is_zero_id(id));
  return id;
}

SpanId IdGenerator::span_id() {
  std::lock_guard lock(mu_);
  SpanId id{};
  do {
    put_le(id.data(), next(), 8);
  } while (is_zero_id(id));
  return id;
}

}  // namespace agentprof
