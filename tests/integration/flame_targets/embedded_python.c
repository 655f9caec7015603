/* Flame test target: a C program embedding libpython3.11 (shared library, loaded at a random base),
 * so the profiler must find _PyRuntime through the library's load bias, not the executable's. */
#include <Python.h>

int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  Py_Initialize();
  int rc = PyRun_SimpleString(
      "import time\n"
      "def embedded_hot_function():\n"
      "    s = 0\n"
      "    for i in range(200000): s += i * i\n"
      "    return s\n"
      "end = time.time() + 30\n"
      "while time.time() < end: embedded_hot_function()\n");
  Py_Finalize();
  return rc == 0 ? 0 : 1;
}
