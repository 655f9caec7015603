"""Issue 5's flame graph guarantees with real BPF: a C++ program's hot functions carry their share
of the samples, a CPython 3.11 program shows its hot Python function by name, a Node program run with
--perf-basic-prof shows JS function names, the --pid scope follows descendants, and the output
formats are written (pprof read back by `go tool pprof` when Go is installed)."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

TARGETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "flame_targets")


def parse_folded(path):
    """[(frames, count)] from a folded-stacks file ("comm;f1;f2 count")."""
    stacks = []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            stack, count = line.rsplit(" ", 1)
            stacks.append((stack.split(";"), int(count)))
    return stacks


def samples_with(stacks, needle):
    return sum(c for frames, c in stacks if any(needle in fr for fr in frames))


class FlameTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="agentprof-flame-")
        cls.hot_binary = h.compile_hot_functions(cls.tmp)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait()

    def spawn(self, argv, **kw):
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, **kw)
        self.procs.append(p)
        return p

    def flame(self, args, output, duration=3, frequency=None):
        argv = [h.AGENTPROF, "flame", "--duration", str(duration), "-o", output] + args
        if frequency:
            argv += ["--frequency", str(frequency)]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60)
        if r.returncode != 0 and ("loading" in r.stderr or "perf_event_open" in r.stderr):
            h.require_bpf(self, r.stderr.strip()[-400:])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("agentprof: ready", r.stderr)
        return r.stderr

    def test_cpp_hot_functions_carry_their_share(self):
        target = self.spawn([self.hot_binary, "30"])
        time.sleep(0.3)
        out = os.path.join(self.tmp, "cpp.folded")
        err = self.flame(["--pid", str(target.pid)], out, duration=4, frequency=499)
        stacks = parse_folded(out)
        shares = {}
        total = sum(samples_with(stacks, n) for n in ("hot_fifty", "hot_thirty", "hot_twenty"))
        self.assertGreater(total, 100, stacks)
        for name, expected in (("hot_fifty", 0.5), ("hot_thirty", 0.3), ("hot_twenty", 0.2)):
            shares[name] = samples_with(stacks, name) / total
            self.assertAlmostEqual(shares[name], expected, delta=0.10, msg=str(shares))
        # The callers are there too, root first: main above the hot function. A sample on the
        # hot function's first or last instruction (frame not yet pushed or already popped) skips
        # its caller, as frame-pointer unwinding does: allowed for under 1% of the samples.
        leaf = [(frames, count) for frames, count in stacks if frames[-1] == "hot_fifty"]
        with_main = sum(c for frames, c in leaf if "main" in frames and frames.index("main") < len(frames) - 1)
        self.assertGreater(with_main, 0.99 * sum(c for _, c in leaf), leaf)
        self.assertRegex(err, r"pid %d \(hot_functions\): \d+ samples .* 0\.0%% during LLM calls, 100\.0%% outside"
                         % target.pid)
        # Every sample is attributed to the target (pid scope): the comm is the folded root.
        self.assertTrue(all(frames[0] == "hot_functions" for frames, _ in stacks), stacks[:3])

    def test_comm_scope(self):
        self.spawn([self.hot_binary, "30"])
        time.sleep(0.3)
        out = os.path.join(self.tmp, "comm.folded")
        self.flame(["--comm", "hot_functions"], out, duration=2)
        stacks = parse_folded(out)
        self.assertGreater(samples_with(stacks, "hot_fifty"), 0)
        self.assertTrue(all(frames[0] == "hot_functions" for frames, _ in stacks))

    def test_cpu_split_by_llm_call_in_flight(self):
        busy = self.spawn([self.hot_binary, "30"])
        idle = self.spawn([self.hot_binary, "30"])
        time.sleep(0.3)
        out = os.path.join(self.tmp, "split.folded")
        # The kernel tags each sample with the in-flight state of its process at sample time.
        err = self.flame(["--pid", str(busy.pid), "--pid", str(idle.pid), "--mark-llm-in-flight", str(busy.pid)],
                         out, duration=2)
        self.assertRegex(err, r"pid %d \(hot_functions\): \d+ samples .* 100\.0%% during LLM calls, 0\.0%% outside"
                         % busy.pid)
        self.assertRegex(err, r"pid %d \(hot_functions\): \d+ samples .* 0\.0%% during LLM calls, 100\.0%% outside"
                         % idle.pid)

    def test_pid_scope_includes_existing_descendants(self):
        # A shell whose child (started before agentprof) does the work.
        parent = self.spawn(["/bin/sh", "-c", f"{self.hot_binary} 30; true"])
        time.sleep(0.5)
        out = os.path.join(self.tmp, "desc.folded")
        self.flame(["--pid", str(parent.pid)], out, duration=2)
        self.assertGreater(samples_with(parse_folded(out), "hot_fifty"), 0)

    def test_python_function_names(self):
        target = self.spawn([h.PYTHON, os.path.join(TARGETS, "hot.py"), "30"])
        time.sleep(0.5)
        out = os.path.join(self.tmp, "py.folded")
        err = self.flame(["--pid", str(target.pid)], out, duration=3)
        self.assertIn("CPython 3.11 frames walked", err)
        stacks = parse_folded(out)
        hot = samples_with(stacks, "hot_python_function")
        cold = samples_with(stacks, "cold_python_function")
        self.assertGreater(hot, 0, stacks)
        self.assertGreater(hot, cold)
        # Python frames carry their file; callee below caller.
        for frames, _ in stacks:
            names = [f.split(" (")[0] for f in frames]
            if "hot_python_function" in names and "leaf_work" in names:
                self.assertLess(names.index("hot_python_function"), names.index("leaf_work"))
                self.assertTrue(any("hot.py" in f for f in frames))

    def test_python_worker_thread(self):
        # The frames of the thread holding the GIL, matched by its kernel thread id.
        target = self.spawn([h.PYTHON, os.path.join(TARGETS, "threaded.py"), "30"])
        time.sleep(0.5)
        out = os.path.join(self.tmp, "thread.folded")
        self.flame(["--pid", str(target.pid)], out, duration=2)
        stacks = parse_folded(out)
        total = sum(c for _, c in stacks)
        self.assertGreater(samples_with(stacks, "worker_hot_function"), total * 0.5, stacks[:5])
        for frames, _ in stacks:
            names = [f.split(" (")[0] for f in frames]
            if "worker_hot_function" in names:
                self.assertIn("Thread.run", names)
                self.assertLess(names.index("Thread.run"), names.index("worker_hot_function"))

    def test_python_frames_carry_current_lines(self):
        target = self.spawn([h.PYTHON, os.path.join(TARGETS, "hot.py"), "30"])
        time.sleep(0.5)
        out = os.path.join(self.tmp, "py.json")
        self.flame(["--pid", str(target.pid)], out, duration=2)
        with open(out) as f:
            frames = json.load(f)["shared"]["frames"]
        with open(os.path.join(TARGETS, "hot.py")) as f:
            source = f.read().splitlines()

        def lines_of(name):
            return {fr.get("line") for fr in frames if fr.get("name") == name and fr.get("file", "").endswith("hot.py")}
        # The caller's line is its call site; the leaf's lines are inside its loop.
        self.assertEqual(lines_of("hot_python_function"), {source.index("    return leaf_work(20000)") + 1})
        loop = {source.index("    for i in range(n):") + 1, source.index("        s += i * i") + 1}
        self.assertTrue(lines_of("leaf_work"), frames)
        body = set(range(source.index("def leaf_work(n):") + 1, source.index("    return s") + 2))
        self.assertTrue(lines_of("leaf_work") <= body, lines_of("leaf_work"))  # never outside the function
        self.assertTrue(lines_of("leaf_work") & loop)

    def test_python_embedded_through_libpython(self):
        # libpython is a shared library at a random base: _PyRuntime needs the library's load bias.
        lib = "/usr/lib/x86_64-linux-gnu/libpython3.11.so"
        if not (os.path.exists(lib) and os.path.exists("/usr/include/python3.11/Python.h")):
            self.skipTest("python3.11-dev not installed")
        binary = os.path.join(self.tmp, "embedded_python")
        subprocess.run(["gcc", "-o", binary, os.path.join(TARGETS, "embedded_python.c"),
                        "-I/usr/include/python3.11", lib], check=True)
        target = self.spawn([binary])
        time.sleep(0.5)
        out = os.path.join(self.tmp, "embedded.folded")
        err = self.flame(["--pid", str(target.pid)], out, duration=2)
        self.assertIn("CPython 3.11 frames walked (/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0)", err)
        self.assertGreater(samples_with(parse_folded(out), "embedded_hot_function"), 0)

    def test_unsupported_python_version_is_reported(self):
        # An interpreter without an offset table entry: native frames only, and a note saying why.
        fake = os.path.join(self.tmp, "python3.99")
        shutil.copy("/usr/bin/python3.11", fake)
        target = self.spawn([fake, os.path.join(TARGETS, "hot.py"), "30"])
        time.sleep(0.5)
        out = os.path.join(self.tmp, "py399.folded")
        err = self.flame(["--pid", str(target.pid)], out, duration=1)
        self.assertIn("pid %d: Python frames not walked: CPython 3.99 has no offset table entry" % target.pid, err)
        self.assertEqual(samples_with(parse_folded(out), "hot_python_function"), 0)

    def test_node_js_function_names(self):
        # cwd: node writes its isolate-*.log next to itself.
        target = self.spawn([h.NODE, "--perf-basic-prof", os.path.join(TARGETS, "hot.js"), "30"], cwd=self.tmp)
        time.sleep(1.0)
        out = os.path.join(self.tmp, "node.folded")
        self.flame(["--pid", str(target.pid)], out, duration=3)
        stacks = parse_folded(out)
        total = sum(c for _, c in stacks)
        self.assertGreater(samples_with(stacks, "hotJavaScriptFunction"), total * 0.3, stacks[:5])

    def test_output_formats(self):
        target = self.spawn([self.hot_binary, "30"])
        time.sleep(0.3)
        for ext in ("svg", "pb.gz", "json"):
            out = os.path.join(self.tmp, "fmt." + ext)
            # ~1000 samples: enough that a 50% function outranks a 30% one by chance with p < 1e-9.
            self.flame(["--pid", str(target.pid)], out, duration=1, frequency=999)
            self.assertGreater(os.path.getsize(out), 100, ext)
        with open(os.path.join(self.tmp, "fmt.svg")) as f:
            self.assertIn("hot_fifty", f.read())
        names, text = h.pprof_top(self, os.path.join(self.tmp, "fmt.pb.gz"))
        top = [n for n in names if n in ("hot_fifty", "hot_thirty", "hot_twenty")]
        self.assertEqual(top[0], "hot_fifty", text)

    def test_rejects_unknown_extension(self):
        r = subprocess.run([h.AGENTPROF, "flame", "--pid", "1", "--duration", "1", "-o",
                            os.path.join(self.tmp, "x.png")], capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "x.png")))


if __name__ == "__main__":
    unittest.main()
