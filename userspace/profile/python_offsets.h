// Per-version layout of the CPython structures the profiler reads: where the thread state holding the
// GIL is, how interpreter frames chain, and where a code object keeps its name, file and first line.
#pragma once

#include <cstdint>
#include <optional>

namespace agentprof::profile {

struct PythonVersion {
  int major = 0;
  int minor = 0;
  bool operator==(const PythonVersion&) const = default;
};

struct PythonOffsets {
  PythonVersion version;
  // _PyRuntime -> PyThreadState* of the GIL holder (3.11: gilstate.tstate_current).
  int32_t runtime_tstate_current = -1;
  int32_t tstate_cframe = -1;           // -1: the thread state points at the frame itself (3.13)
  int32_t cframe_current_frame = -1;    // in _PyCFrame (or PyThreadState when tstate_cframe == -1)
  int32_t tstate_native_thread_id = -1;
  int32_t frame_code = -1;
  int32_t frame_previous = -1;
  int32_t frame_is_entry = -1;          // 3.11 only
  int32_t frame_owner = -1;
  int32_t owner_cstack = -1;            // FRAME_OWNED_BY_CSTACK value (3.12+)
  int32_t frame_prev_instr = -1;        // last instruction run (3.11/3.12): gives the current line
  // Code objects.
  int32_t object_type = 8;              // PyObject.ob_type
  int32_t code_filename = -1;
  int32_t code_name = -1;
  int32_t code_qualname = -1;
  int32_t code_firstlineno = -1;
  int32_t code_linetable = -1;          // bytes: the location table (3.11+ format)
  int32_t code_code_adaptive = -1;      // first instruction (code units of 2 bytes)
  int32_t bytes_size = 16;              // PyBytesObject.ob_size
  int32_t bytes_data = 32;              // PyBytesObject.ob_sval
  // str objects: compact ASCII data follows PyASCIIObject; non-ASCII compact data follows
  // PyCompactUnicodeObject. state holds the ascii / compact / kind bits.
  int32_t unicode_length = 16;
  int32_t unicode_state = 32;
  int32_t unicode_ascii_data = -1;
  int32_t unicode_compact_data = -1;
  bool verified = false;  // checked against the real headers (offsetof) of this version
};

// The table entry for `version`, or nullopt when the version is not supported.
std::optional<PythonOffsets> python_offsets_for(PythonVersion version);

}  // namespace agentprof::profile
