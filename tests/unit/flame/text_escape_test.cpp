#include <catch2/catch.hpp>

#include "exporters/flame/frame_names.h"
#include "exporters/flame/text_escape.h"
#include "profile_fixtures.h"

using namespace agentprof;
using namespace agentprof::flame;
using agentprof::flame::testing::make_frame;

TEST_CASE("invalid UTF-8 becomes U+FFFD, valid text is kept", "[flame]") {
  CHECK(is_valid_utf8("caf\xC3\xA9"));
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));        // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));    // surrogate
  CHECK_FALSE(is_valid_utf8("\xE2\x82"));        // truncated
  CHECK(to_valid_utf8("a\xFF\xFE" "b") == "a\xEF\xBF\xBD" "b");  // one run, one replacement
  CHECK(to_valid_utf8("caf\xC3\xA9") == "caf\xC3\xA9");
}

TEST_CASE("XML escaping covers markup and forbidden control characters", "[flame]") {
  std::string out;
  append_xml_escaped(out, "operator<<(a&b, \"c\") 'd'>\x01\n");
  CHECK(out == "operator&lt;&lt;(a&amp;b, &quot;c&quot;) &apos;d&apos;&gt;\xEF\xBF\xBD\n");
}

TEST_CASE("JSON quoting escapes quotes, backslashes and control characters", "[flame]") {
  std::string out;
  append_json_quoted(out, "a\"b\\c\n\x1f\xC3");
  CHECK(out == "\"a\\\"b\\\\c\\u000a\\u001f\xEF\xBF\xBD\"");
}

TEST_CASE("folded names replace separators and mark kernel, JIT and Python frames", "[flame]") {
  CHECK(folded_frame_name(make_frame("ns::f<a;b>\nx", FrameKind::kNative, "")) == "ns::f<a:b> x");
  CHECK(folded_frame_name(make_frame("do_syscall_64", FrameKind::kKernel, "")) == "do_syscall_64_[k]");
  CHECK(folded_frame_name(make_frame("LazyCompile:*run", FrameKind::kJit, "")) == "LazyCompile:*run_[j]");
  CHECK(folded_frame_name(make_frame("handle", FrameKind::kPython, "", "app.py", 3)) ==
        "handle (app.py)");
  CHECK(folded_frame_name(Frame{}) == "[unknown]");
  CHECK(folded_process_name(testing::make_sample(7, "", 1)) == "[pid 7]");
}
