#include <catch2/catch.hpp>

#include "profile/stack_merger.h"

using namespace agentprof;
using namespace agentprof::profile;

namespace {
Frame native(const char* name) {
  Frame f;
  f.function = name;
  return f;
}
PythonFrame py(const char* name, bool entry) {
  PythonFrame p;
  p.frame.function = name;
  p.frame.kind = FrameKind::kPython;
  p.entry = entry;
  return p;
}
std::vector<std::string> names(const std::vector<Frame>& frames) {
  std::vector<std::string> out;
  for (const auto& f : frames) out.push_back(f.function);
  return out;
}
}  // namespace

TEST_CASE("each eval frame is replaced by the Python frames it ran, innermost with innermost") {
  // Leaf first: a C function called from Python (inner eval), called from Python (outer eval).
  std::vector<Frame> user = {native("strlen"), native("builtin_len"), native("_PyEval_EvalFrameDefault"),
                             native("PyObject_Call"), native("_PyEval_EvalFrameDefault"), native("main")};
  std::vector<PythonFrame> python = {py("inner_leaf", false), py("inner_entry", true),
                                     py("outer_leaf", false), py("<module>", true)};
  std::vector<Frame> kernel = {native("do_syscall_64")};
  auto merged = merge_stacks(kernel, user, python);
  CHECK(names(merged) == std::vector<std::string>{"main", "<module>", "outer_leaf", "PyObject_Call",
                                                  "inner_entry", "inner_leaf", "builtin_len", "strlen",
                                                  "do_syscall_64"});
}

TEST_CASE("Python frames without a matching eval frame go to the root") {
  // A binary without frame pointers: the native stack stops early and never shows the eval loop.
  std::vector<Frame> user = {native("PyObject_Free"), native("[unknown]")};
  std::vector<PythonFrame> python = {py("leaf_work", false), py("hot", false), py("<module>", true)};
  auto merged = merge_stacks({}, user, python);
  CHECK(names(merged) == std::vector<std::string>{"<module>", "hot", "leaf_work", "[unknown]", "PyObject_Free"});
}

TEST_CASE("without Python frames eval frames stay native") {
  std::vector<Frame> user = {native("_PyEval_EvalFrameDefault"), native("main")};
  auto merged = merge_stacks({}, user, {});
  CHECK(names(merged) == std::vector<std::string>{"main", "_PyEval_EvalFrameDefault"});
}

TEST_CASE("more eval frames than Python groups: the outer ones stay native") {
  std::vector<Frame> user = {native("_PyEval_EvalFrameDefault"), native("_PyEval_EvalFrameDefault"), native("main")};
  std::vector<PythonFrame> python = {py("f", true)};
  auto merged = merge_stacks({}, user, python);
  CHECK(names(merged) == std::vector<std::string>{"main", "_PyEval_EvalFrameDefault", "f"});
}
