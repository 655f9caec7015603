#include <catch2/catch.hpp>

#include <set>

#include "trace/clock_offset.h"
#include "trace/id_generator.h"

using namespace agentprof;

TEST_CASE("seeded id generator is reproducible, unseeded ones differ") {
  IdGenerator a(7), b(7), c(8);
  TraceId ta = a.trace_id();
  CHECK(ta == b.trace_id());
  CHECK(ta != c.trace_id());
  CHECK(a.span_id() == b.span_id());

  IdGenerator r1, r2;
  CHECK(r1.trace_id() != r2.trace_id());
}

TEST_CASE("ids are never all zero and do not repeat") {
  IdGenerator gen(0);  // a zero seed must still give a working generator
  std::set<TraceId> traces;
  std::set<SpanId> spans;
  for (int i = 0; i < 10000; ++i) {
    TraceId t = gen.trace_id();
    SpanId s = gen.span_id();
    REQUIRE_FALSE(is_zero_id(t));
    REQUIRE_FALSE(is_zero_id(s));
    traces.insert(t);
    spans.insert(s);
  }
  CHECK(traces.size() == 10000);
  CHECK(spans.size() == 10000);
}

TEST_CASE("hex encoding of ids") {
  TraceId t{};
  t[0] = 0xAB;
  t[15] = 0x01;
  CHECK(to_hex(t) == "ab000000000000000000000000000001");
  TraceId back{};
  CHECK(from_hex(to_hex(t), back));
  CHECK(back == t);
  SpanId s{};
  CHECK(from_hex("00FF00ff00000010", s));
  CHECK(to_hex(s) == "00ff00ff00000010");
  SpanId untouched{};
  untouched[0] = 9;
  CHECK_FALSE(from_hex("00ff00ff0000001", untouched));   // too short
  CHECK_FALSE(from_hex("00ff00ff0000001g", untouched));  // not hex
  CHECK(untouched[0] == 9);
}

TEST_CASE("clock offset converts monotonic to unix time") {
  ClockOffset off{1'000};
  CHECK(off.to_unix_ns(0) == 0);  // not seen stays not seen
  CHECK(off.to_unix_ns(5) == 1'005);
  ClockOffset negative{-100};
  CHECK(negative.to_unix_ns(150) == 50);
  CHECK(negative.to_unix_ns(50) == 0);  // clamps at the epoch
  ClockOffset extreme{INT64_MIN};
  CHECK(extreme.to_unix_ns(5) == 0);

  // The captured offset maps "now" to roughly the wall clock (2020 .. 2200).
  ClockOffset live = ClockOffset::capture();
  uint64_t now = live.to_unix_ns(monotonic_now_ns());
  CHECK(now > 1'577'836'800ull * 1'000'000'000ull);
  CHECK(now < 7'258'118'400ull * 1'000'000'000ull);
}
