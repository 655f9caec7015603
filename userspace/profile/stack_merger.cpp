#include "profile/stack_merger.h"

#include <algorithm>

namespace agentprof::profile {

bool is_python_eval_function(std::string_view function) {
  return function == "_PyEval_EvalFrameDefault";
}

std::vector<Frame> merge_stacks(const std::vector<Frame>& kernel_leaf_first,
                                const std::vector<Frame>& user_leaf_first,
                                const std::vector<PythonFrame>& python_innermost_first) {
  // Group Python frames by eval call, innermost group first.
  std::vector<std::vector<const Frame*>> groups;
  std::vector<const Frame*> current;
  for (const PythonFrame& p : python_innermost_first) {
    current.push_back(&p.frame);
    if (p.entry) {
      groups.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) groups.push_back(std::move(current));

  std::vector<Frame> leaf_first(kernel_leaf_first);
  size_t next_group = 0;
  for (const Frame& native : user_leaf_first) {
    if (next_group < groups.size() && is_python_eval_function(native.function)) {
      for (const Frame* f : groups[next_group]) leaf_first.push_back(*f);
      next_group++;
    } else {
      leaf_first.push_back(native);
    }
  }
  for (; next_group < groups.size(); next_group++)
    for (const Frame* f : groups[next_group]) leaf_first.push_back(*f);
  std::reverse(leaf_first.begin(), leaf_first.end());
  return leaf_first;
}

}  // namespace agentprof::profile
