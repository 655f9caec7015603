#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "exporters/jsonl/json_text.h"

using namespace agentprof;

namespace {
std::string quoted(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}
std::string num(double v) {
  std::string out;
  append_json_double(out, v);
  return out;
}
}  // namespace

TEST_CASE("JSON string escaping") {
  CHECK(quoted("plain") == R"("plain")");
  CHECK(quoted("a\"b\\c") == R"("a\"b\\c")");
  CHECK(quoted("\n\r\t\b\f") == R"("\n\r\t\b\f")");
  CHECK(quoted(std::string_view("\x00\x01\x1f\x7f", 4)) == R"("\u0000\u0001\u001f\u007f")");
  CHECK(quoted("\x1b[31mred") == R"("\u001b[31mred")");
  CHECK(quoted("/ stays") == R"("/ stays")");
}

TEST_CASE("valid UTF-8 passes through, invalid becomes U+FFFD") {
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(quoted("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80") == "\"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80\"");
  CHECK(quoted("\xFF") == "\"" + fffd + "\"");
  CHECK(quoted("a\x80z") == "\"a" + fffd + "z\"");                  // lone continuation byte
  CHECK(quoted("\xC0\xAF") == "\"" + fffd + fffd + "\"");            // overlong '/'
  CHECK(quoted("\xE0\x80\xAF") == "\"" + fffd + fffd + fffd + "\"");  // overlong 3-byte
  CHECK(quoted("\xED\xA0\x80") == "\"" + fffd + fffd + fffd + "\"");  // UTF-16 surrogate
  CHECK(quoted("\xF4\x90\x80\x80") == "\"" + fffd + fffd + fffd + fffd + "\"");  // > U+10FFFF
  CHECK(quoted("\xE2\x82") == "\"" + fffd + "\"");      // truncated at the end: one replacement
  CHECK(quoted("\xE2\x82z") == "\"" + fffd + "z\"");    // truncated mid-string
  CHECK(quoted("\xF0\x9F\x98") == "\"" + fffd + "\"");
}

TEST_CASE("JSON doubles round-trip and always read as floating point") {
  CHECK(num(3.0) == "3.0");
  CHECK(num(0.1) == "0.1");
  CHECK(num(-2.5) == "-2.5");
  CHECK(num(1e21) == "1e+21");
  CHECK(num(1e-7) == "1e-07");
  CHECK(num(0.0123) == "0.0123");
  CHECK(num(std::nan("")) == "null");
  CHECK(num(std::numeric_limits<double>::infinity()) == "null");
  double tricky = 0.1 + 0.2;
  CHECK(std::stod(num(tricky)) == tricky);

  std::string out;
  append_json_int(out, std::numeric_limits<int64_t>::min());
  out += ",";
  append_json_uint(out, std::numeric_limits<uint64_t>::max());
  CHECK(out == "-9223372036854775808,18446744073709551615");
}
