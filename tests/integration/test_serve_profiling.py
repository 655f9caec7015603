"""Issue 5 items 5 and 6 with real BPF: `agentprof serve` profiles CPU continuously, answers
POST /debug/flame with an SVG or a pprof that `go tool pprof` reads, merges its recent windows on
GET /debug/flame/continuous, pushes each window to a (fake) Pyroscope, refuses bad requests, and
splits a process's CPU into "LLM call in flight" or not (a real client burning CPU while its call to
the fake LLM server waits)."""

import base64
import gzip
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

HOT = ("hot_fifty", "hot_thirty", "hot_twenty")

# A client that burns CPU on its main thread while another thread waits on one LLM call (the fake
# server holds the answer for --ttft-ms), then burns CPU for a while with no call in flight.
BURNING_CLIENT = r'''
import json, os, ssl, sys, threading, time, urllib.request
base, cafile, wait_ms, after_s = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
done = threading.Event()
def call():
    body = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi there"}]}).encode()
    req = urllib.request.Request(base + "/v1/chat/completions", data=body, headers={
        "Content-Type": "application/json", "Authorization": "Bearer sk-test-SECRET-burner",
        "x-fake-ttft-ms": wait_ms})
    urllib.request.urlopen(req, context=ssl.create_default_context(cafile=cafile), timeout=60).read()
    done.set()
def burn():
    s = 0
    for i in range(20000):
        s += i * i
    return s
threading.Thread(target=call).start()
while not done.is_set():
    burn()
end = time.time() + after_s
while time.time() < end:
    burn()
print("ok", os.getpid(), flush=True)
'''




def request(method, url, timeout=60):
    """(status, headers, body) also for error statuses."""
    req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def metric(text, name, **labels):
    """Sum of the samples of `name` whose labels include `labels`."""
    total, found = 0.0, False
    for line in text.splitlines():
        if not line.startswith(name):
            continue
        m = re.match(r'^(\w+)(?:\{(.*)\})? (\S+)$', line)
        if not m or m.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        if all(have.get(k) == str(v) for k, v in labels.items()):
            total += float(m.group(3))
            found = True
    return total if found else None




def flat_share(top_text, names):
    """Percent of the flat time `go tool pprof -top` gives to `names`."""
    share = 0.0
    for row in (line.split() for line in top_text.splitlines()):
        if len(row) >= 6 and row[1].endswith("%") and " ".join(row[5:]) in names:
            share += float(row[1][:-1])
    return share


def pyroscope_pushes(receiver):
    """The POSTs a RecordingHttpServer received, as (path, parsed query, headers, body)."""
    out = []
    for target, headers, body in receiver.requests:
        url = urllib.parse.urlsplit(target)
        out.append((url.path, urllib.parse.parse_qs(url.query), headers, body))
    return out


class ServeProfilingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="agentprof-serve-prof-")
        cls.hot_binary = h.compile_hot_functions(cls.tmp)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.procs = []
        self.logs = []
        self.port = h.free_port()
        self.base = "http://127.0.0.1:%d" % self.port

    def tearDown(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.kill()
            p.wait()
        for log in self.logs:
            log.close()

    def spawn(self, argv, **kw):
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, **kw)
        self.procs.append(p)
        return p

    def serve(self, args, config=None, env=None):
        argv = [h.AGENTPROF, "serve", "--prometheus", "127.0.0.1:%d" % self.port, "--store", ""] + list(args)
        if config:
            path = os.path.join(self.tmp, "serve-%d.yaml" % time.time_ns())
            with open(path, "w") as f:
                f.write(config)
            argv += ["-c", path]
        log = open(os.path.join(self.tmp, "serve-%d.err" % time.time_ns()), "w+")
        self.logs.append(log)
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=log, env=env)
        self.procs.append(proc)
        deadline = time.time() + 60
        while time.time() < deadline:
            log.seek(0)
            text = log.read()
            if "agentprof: ready" in text:
                self.assertNotIn("continuous profiling off", text)
                return proc, log
            if proc.poll() is not None:
                h.require_bpf(self, h.BpfUnavailable(text))
            time.sleep(0.05)
        proc.kill()
        self.fail("serve not ready")

    def stop_serve(self, proc, log, timeout=30):
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout), 0, self.log_text(log))

    @staticmethod
    def log_text(log):
        log.seek(0)
        return log.read()

    def metrics(self):
        status, _, body = request("GET", self.base + "/metrics", timeout=10)
        self.assertEqual(status, 200)
        return body.decode()

    def wait_for(self, what, check, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = check()
            if value:
                return value
            time.sleep(0.5)
        self.fail("timed out waiting for " + what)

    def test_on_demand_capture_svg_and_pprof(self):
        target = self.spawn([self.hot_binary, "120"])
        proc, log = self.serve(["--pid", str(target.pid), "--no-profiling"])
        url = "%s/debug/flame?pid=%d&seconds=2" % (self.base, target.pid)

        status, headers, svg = request("POST", url)
        self.assertEqual(status, 200, svg[:300])
        self.assertEqual(headers["Content-Type"], "image/svg+xml")
        self.assertTrue(svg.lstrip().startswith(b"<?xml") or b"<svg" in svg[:500], svg[:200])
        for name in HOT:
            self.assertIn(name.encode(), svg)
        self.assertGreater(int(headers["X-Agentprof-Samples"]), 50)

        status, headers, pprof = request("POST", url + "&format=pprof&frequency=999")
        self.assertEqual(status, 200, pprof[:300])
        self.assertEqual(headers["Content-Type"], "application/octet-stream")
        self.assertEqual(pprof[:2], b"\x1f\x8b")
        path = os.path.join(self.tmp, "ondemand.pb.gz")
        with open(path, "wb") as f:
            f.write(pprof)
        names, text = h.pprof_top(self, path)
        self.assertEqual(names[0], "hot_fifty", text)
        self.assertEqual([n for n in names if n in HOT], list(HOT), text)

        status, headers, folded = request("POST", "%s/debug/flame?pid=%d&seconds=1&format=folded" % (self.base, target.pid))
        self.assertEqual((status, headers["Content-Type"]), (200, "text/plain; charset=utf-8"))
        self.assertTrue(all(line.startswith(b"hot_functions;") for line in folded.splitlines()), folded[:300])
        self.stop_serve(proc, log)

    def test_one_capture_at_a_time_and_metrics_never_wait(self):
        target = self.spawn([self.hot_binary, "120"])
        proc, log = self.serve(["--pid", str(target.pid), "--no-profiling"])
        first = {}
        t = threading.Thread(target=lambda: first.update(r=request(
            "POST", "%s/debug/flame?pid=%d&seconds=4&format=folded" % (self.base, target.pid))))
        t.start()
        time.sleep(1.0)
        status, _, body = request("POST", "%s/debug/flame?pid=%d&seconds=1" % (self.base, target.pid))
        self.assertEqual(status, 409, body)
        self.assertIn(b"another capture is running", body)
        t0 = time.time()
        self.assertIn("agentprof_profile_captures_total", self.metrics())
        self.assertLess(time.time() - t0, 2.0, "/metrics waited for the capture")
        t.join(60)
        self.assertEqual(first["r"][0], 200)
        self.assertIn(b"hot_fifty", first["r"][2])
        # Counters reach the registry once a second.
        self.wait_for("the capture counters", lambda: metric(self.metrics(), "agentprof_profile_captures_total",
                                                              outcome="done") == 1)
        self.assertEqual(metric(self.metrics(), "agentprof_profile_captures_total", outcome="busy"), 1)
        self.stop_serve(proc, log)

    def test_bad_requests_get_400_with_the_reason(self):
        target = self.spawn([self.hot_binary, "60"])
        proc, log = self.serve(["--pid", str(target.pid), "--no-profiling"])
        dead = subprocess.Popen(["/bin/true"])
        dead.wait()
        cases = {
            "pid=abc": b"bad pid 'abc'",
            "pid=%d" % dead.pid: b"no such process",
            "seconds=1": b"missing pid",
            "pid=%d&seconds=0" % target.pid: b"bad seconds '0': expected a number in (0, 300]",
            "pid=%d&seconds=301" % target.pid: b"bad seconds '301'",
            "pid=%d&seconds=-2" % target.pid: b"bad seconds '-2'",
            "pid=%d&format=png" % target.pid: b"unknown format 'png': use svg, pprof, folded or json",
            "pid=%d&frequency=5000" % target.pid: b"bad frequency '5000'",
            "pid=%d&sekonds=1" % target.pid: b"unknown parameter 'sekonds'",
        }
        for query, reason in cases.items():
            status, headers, body = request("POST", "%s/debug/flame?%s" % (self.base, query))
            self.assertEqual(status, 400, (query, body))
            self.assertIn(reason, body, query)
            self.assertTrue(headers["Content-Type"].startswith("text/plain"))
        status, _, body = request("GET", "%s/debug/flame?pid=%d" % (self.base, target.pid))
        self.assertEqual(status, 405, body)
        status, _, body = request("GET", self.base + "/debug/flame/continuous?format=png")
        self.assertEqual(status, 400, body)
        status, _, body = request("GET", self.base + "/debug/flame/continuous")
        self.assertEqual(status, 404, body)  # --no-profiling
        self.assertIn(b"continuous profiling is off", body)
        self.wait_for("the bad-request counter", lambda: metric(
            self.metrics(), "agentprof_profile_captures_total", outcome="bad_request") == len(cases) + 1, timeout=10)
        self.stop_serve(proc, log)

    def test_continuous_windows_and_pyroscope_push(self):
        target = self.spawn([self.hot_binary, "120"])
        pyro = h.RecordingHttpServer()
        self.addCleanup(pyro.stop)
        config = ("pyroscope:\n  app_name: agentprof-ci\n  labels:\n    env: ci\n"
                  "  basic_auth:\n    username: ci\n    password: sk-test-SECRET-pyro\n")
        proc, log = self.serve(["--pid", str(target.pid), "--profile-window", "2", "--pyroscope", pyro.url],
                               config=config)
        started = time.time()

        # The merged recent windows: a flame graph of the target.
        def continuous():
            status, headers, body = request("GET", self.base + "/debug/flame/continuous?format=folded")
            if status == 503:
                self.assertIn("Retry-After", headers)
                return None
            self.assertEqual(status, 200, body)
            return headers, body
        headers, folded = self.wait_for("a continuous window", continuous)
        self.assertGreater(int(headers["X-Agentprof-Samples"]), 10)
        self.assertIn(b"hot_fifty", folded)
        status, headers, pprof = request("GET", self.base + "/debug/flame/continuous?format=pprof&pid=%d" % target.pid)
        self.assertEqual(status, 200)
        path = os.path.join(self.tmp, "continuous.pb.gz")
        with open(path, "wb") as f:
            f.write(pprof)
        # A few windows at 19 Hz hold tens of samples: the hot functions are all there and hold the
        # flat time; their exact order is left to the 99 Hz capture above.
        names, text = h.pprof_top(self, path)
        self.assertTrue(set(HOT) <= set(names), text)
        self.assertGreater(flat_share(text, HOT), 95, text)
        status, _, empty = request("GET", self.base + "/debug/flame/continuous?format=folded&pid=1")
        self.assertEqual((status, empty), (200, b""))  # windows hold only the scope

        # Each window is pushed to Pyroscope's ingest API as pprof.
        self.wait_for("a Pyroscope push", lambda: len(pyro.requests) >= 2)
        pushes = pyroscope_pushes(pyro)
        path_, query, headers, body = pushes[0]
        self.assertEqual(path_, "/ingest")
        self.assertEqual(query["name"], ["agentprof-ci{env=ci}"])
        self.assertEqual(query["format"], ["pprof"])
        self.assertEqual(query["sampleRate"], ["19"])
        self.assertEqual(query["spyName"], ["agentprof"])
        since, until = int(query["from"][0]), int(query["until"][0])
        self.assertLessEqual(abs(since - started), 30)
        self.assertTrue(1 <= until - since <= 4, (since, until))
        self.assertEqual(headers["Authorization"], "Basic " + base64.b64encode(b"ci:sk-test-SECRET-pyro").decode())
        self.assertEqual(headers["Content-Type"], "application/octet-stream")
        gzip.decompress(body)  # a whole gzip stream
        path = os.path.join(self.tmp, "pushed.pb.gz")
        with open(path, "wb") as f:
            f.write(max((p[3] for p in pushes), key=len))
        names, text = h.pprof_top(self, path)
        self.assertTrue(set(HOT) <= set(names), text)
        self.assertGreater(flat_share(text, HOT), 95, text)

        self.wait_for("the upload counter", lambda: metric(
            self.metrics(), "agentprof_pyroscope_uploads_total", outcome="sent") >= 2, timeout=10)
        metrics = self.metrics()
        self.assertEqual(metric(metrics, "agentprof_pyroscope_uploads_total", outcome="failed"), 0)
        self.assertGreater(metric(metrics, "agentprof_profile_windows_total"), 0)
        self.assertGreater(metric(metrics, "agentprof_process_cpu_seconds_total", pid=target.pid,
                                  llm_call_in_flight="false"), 0.5)
        self.assertEqual(metric(metrics, "agentprof_process_cpu_seconds_total", pid=target.pid,
                                llm_call_in_flight="true"), 0)
        self.stop_serve(proc, log)
        self.assertNotIn("sk-test-SECRET", self.log_text(log))

    def test_unreachable_pyroscope_is_counted_and_never_blocks(self):
        target = self.spawn([self.hot_binary, "60"])
        dead_port = h.free_port()
        proc, log = self.serve(["--pid", str(target.pid), "--profile-window", "1", "--pyroscope",
                                "http://127.0.0.1:%d" % dead_port])
        self.wait_for("a failed push retried", lambda: (metric(self.metrics(), "agentprof_pyroscope_retries_total") or 0) > 0)
        t0 = time.time()
        self.metrics()
        self.assertLess(time.time() - t0, 2.0)
        status, _, body = request("POST", "%s/debug/flame?pid=%d&seconds=1&format=folded" % (self.base, target.pid))
        self.assertEqual(status, 200)
        t0 = time.time()
        self.stop_serve(proc, log)
        self.assertLess(time.time() - t0, 15, "shutdown waited on the unreachable Pyroscope")

    def test_cpu_split_with_an_llm_call_in_flight(self):
        certs = h.make_certs(self.tmp)
        server = h.FakeServer(certs)
        self.addCleanup(server.stop)
        client = os.path.join(self.tmp, "burning_client.py")
        with open(client, "w") as f:
            f.write(BURNING_CLIENT)
        # The gate (a shell) also starts a CPU-bound sibling of the client that never calls an LLM:
        # it is in the capture scope but not an agent process, so it is not profiled.
        gate = h.Gate(["/bin/sh", "-c", '"$1" 30 >/dev/null 2>&1 & "$2" "$3" "$4" "$5" 4000 2; kill $!',
                       "sh", self.hot_binary, h.PYTHON, client, server.base, certs["ca"]])
        proc, log = self.serve(["--pid", str(gate.pid), "--profile-window", "2", "--profile-llm-processes-only"])
        gate.go()
        rc, out, err = gate.wait(120)
        self.assertEqual(rc, 0, err)
        client_pid = int(re.search(rb"ok (\d+)", out).group(1))

        def split():
            text = self.metrics()
            flight = metric(text, "agentprof_process_cpu_seconds_total", pid=client_pid, llm_call_in_flight="true")
            idle = metric(text, "agentprof_process_cpu_seconds_total", pid=client_pid, llm_call_in_flight="false")
            return (flight, idle, text) if flight is not None and idle and idle > 0.3 else None
        flight, idle, text = self.wait_for("the CPU split of the client", split, timeout=30)
        # ~4 s of burning while the call waited, ~2 s after it: both buckets filled, in proportion
        # (CPU seconds, so less than wall time when other work shares the CPUs).
        self.assertGreater(flight, 1.0, text)
        self.assertGreater(flight, idle, text)
        self.assertLess(idle, 3.5, text)
        self.assertNotIn('comm="hot_functions"', text)  # in scope, but no LLM call: not profiled
        self.assertNotIn('pid="%d"' % gate.pid, text)
        self.assertEqual(metric(text, "agentprof_profile_agent_processes"), 1)
        self.stop_serve(proc, log)
        self.assertNotIn("sk-test-SECRET", self.log_text(log))

    def test_print_config_shows_profiling_and_redacts_pyroscope_secrets(self):
        config = os.path.join(self.tmp, "print.yaml")
        with open(config, "w") as f:
            f.write("profiling:\n  window_seconds: 5\npyroscope:\n  url: https://u:sk-test-SECRET-url@pyro:4040\n"
                    "  basic_auth:\n    username: u\n    password: sk-test-SECRET-pw\n"
                    "  headers:\n    X-Key: sk-test-SECRET-h\n")
        r = subprocess.run([h.AGENTPROF, "serve", "-c", config, "--profile-frequency", "49", "--print-config"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("profiling:\n  enabled: true\n  frequency_hz: 49\n  window_seconds: 5\n", r.stdout)
        self.assertIn('url: "https://pyro:4040"', r.stdout)
        self.assertNotIn("sk-test-SECRET", r.stdout + r.stderr)
        bad = subprocess.run([h.AGENTPROF, "serve", "--pyroscope", "http://p:1", "--no-profiling", "--print-config"],
                             capture_output=True, text=True)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("profiling must be enabled", bad.stderr)


if __name__ == "__main__":
    unittest.main()
