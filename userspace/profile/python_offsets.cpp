#include "profile/python_offsets.h"

namespace agentprof::profile {

namespace {

// CPython 3.11 (x86_64). Verified with offsetof() against Debian's python3.11-dev 3.11.7 headers
// (Include/internal/pycore_runtime.h, pycore_frame.h, cpython/code.h, cpython/unicodeobject.h):
//   _PyRuntimeState.gilstate.tstate_current 576, PyThreadState.cframe 56, .native_thread_id 160,
//   _PyCFrame.current_frame 8, _PyInterpreterFrame.f_code 32, .previous 48, .prev_instr 56,
//   .is_entry 68, PyCodeObject.co_firstlineno 72, .co_filename 112, .co_name 120, .co_qualname 128,
//   .co_linetable 136, .co_code_adaptive 184, sizeof(PyASCIIObject) 48,
//   sizeof(PyCompactUnicodeObject) 72, PyBytesObject.ob_size 16, .ob_sval 32.
PythonOffsets python_3_11() {
  PythonOffsets o;
  o.version = {3, 11};
  o.runtime_tstate_current = 576;
  o.tstate_cframe = 56;
  o.cframe_current_frame = 8;
  o.tstate_native_thread_id = 160;
  o.frame_code = 32;
  o.frame_previous = 48;
  o.frame_is_entry = 68;
  o.frame_prev_instr = 56;
  o.code_linetable = 136;
  o.code_code_adaptive = 184;
  o.code_firstlineno = 72;
  o.code_filename = 112;
  o.code_name = 120;
  o.code_qualname = 128;
  o.unicode_ascii_data = 48;
  o.unicode_compact_data = 72;
  o.verified = true;
  return o;
}

}  // namespace

// Extending: 3.10 has no _PyInterpreterFrame (PyFrameObject chain via f_back, tstate->frame); 3.12
// keeps the current thread state in a thread-local (_Py_tss_tstate) and marks C entries with
// FRAME_OWNED_BY_CSTACK shim frames (frame_owner/owner_cstack); 3.13+ export _Py_DebugOffsets at the
// start of _PyRuntime, which userspace can read from the process instead of a table entry. Each needs
// its entry verified against that version's headers before it is added here: a wrong offset would
// produce silently wrong frames.
std::optional<PythonOffsets> python_offsets_for(PythonVersion version) {
  if (version == PythonVersion{3, 11}) return python_3_11();
  return std::nullopt;
}

}  // namespace agentprof::profile
