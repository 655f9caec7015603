#include <catch2/catch.hpp>

#include "symbolizer/demangle.h"

using agentprof::symbolizer::demangle;

TEST_CASE("C++ names are demangled, C names and garbage pass through") {
  CHECK(demangle("_ZN6symfix19namespaced_functionEd") == "symfix::namespaced_function(double)");
  CHECK(demangle("_ZN6symfix5twiceIlEET_S1_") == "long symfix::twice<long>(long)");
  CHECK(demangle("_ZNK6symfix13LibraryWidget5churnEl") == "symfix::LibraryWidget::churn(long) const");
  CHECK(demangle("malloc") == "malloc");
  CHECK(demangle("_Z") == "_Z");
  CHECK(demangle("_Zgarbage!!") == "_Zgarbage!!");
  CHECK(demangle("") == "");
}

TEST_CASE("clone suffixes and symbol versions survive demangling") {
  CHECK(demangle("_ZN2v84base5FooerEv.isra.0") == "v8::base::Fooer() [clone .isra.0]");
  CHECK(demangle("_ZN3foo3barEv@@LIB_1.0") == "foo::bar()@@LIB_1.0");
}
