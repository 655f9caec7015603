// Builds one root-first stack from a sample's kernel frames, native user frames and Python frames.
// Each native _PyEval_EvalFrameDefault frame is replaced by the Python frames it was running.
#pragma once

#include <string_view>
#include <vector>

#include "profile/profile.h"

namespace agentprof::profile {

struct PythonFrame {
  Frame frame;         // kind kPython
  bool entry = false;  // outermost Python frame of its _PyEval_EvalFrameDefault call
};

// Native function that runs Python frames (one call runs one group of frames ending at an entry frame).
bool is_python_eval_function(std::string_view function);

// kernel_leaf_first / user_leaf_first / python_innermost_first: as sampled (leaf first).
// Eval frames are matched innermost with innermost; Python groups left over (the native stack was cut
// short, e.g. a binary without frame pointers) are placed at the root. Returns root first.
std::vector<Frame> merge_stacks(const std::vector<Frame>& kernel_leaf_first,
                                const std::vector<Frame>& user_leaf_first,
                                const std::vector<PythonFrame>& python_innermost_first);

}  // namespace agentprof::profile
