"""Shared helpers for agentprof's integration tests: run the real binary with real BPF, start the
fake LLM server, start clients behind a gate so they are in scope before they exec, and parse what
agentprof wrote. Debian's /usr/bin/python3, stdlib only."""

import atexit
import gzip
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("AGENTPROF_BUILD", os.path.join(ROOT, "build"))
AGENTPROF = os.path.join(BUILD, "agentprof")
CLIENTS = os.path.join(ROOT, "tests", "integration", "clients")
PYTHON = "/usr/bin/python3"
NODE = "/usr/bin/node"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


class BpfUnavailable(Exception):
    pass


def require_bpf(test, exc):
    """Under CI=true a test that cannot load BPF fails; elsewhere it is skipped, saying why."""
    if IN_CI:
        test.fail("BPF could not be loaded (CI=true, so this is a failure): %s" % exc)
    raise unittest.SkipTest("BPF unavailable: %s" % exc)


def make_certs(directory):
    subprocess.run(["bash", os.path.join(ROOT, "scripts", "make-test-cert.sh"), directory],
                   check=True, stdout=subprocess.DEVNULL)
    return {
        "ca": os.path.join(directory, "ca.pem"),
        "cert": os.path.join(directory, "server.pem"),
        "key": os.path.join(directory, "server.key"),
    }


class ListeningProcess:
    """A server process started with port 0 that prints `LISTENING <port>` once it listens. Its
    stderr goes to a file (a pipe nobody reads could fill and block it), kept for failure messages."""

    def __init__(self, argv, what):
        self.stderr_file = tempfile.NamedTemporaryFile(prefix="agentprof-server-stderr-", delete=False)
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.stderr_file, text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"LISTENING (\d+)", line or "")
        if not m:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError("%s did not start: %r %s" % (what, line, self.stderr()))
        self.port = int(m.group(1))

    def stderr(self):
        with open(self.stderr_file.name, "r", errors="replace") as f:
            return f.read()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.stderr_file.close()


class FakeServer(ListeningProcess):
    """scripts/fake_llm_server.py on a free port, TLS or plaintext."""

    def __init__(self, certs=None, extra=(), log_path=None):
        args = [PYTHON, os.path.join(ROOT, "scripts", "fake_llm_server.py"), "--port", "0"]
        if certs:
            args += ["--tls-cert", certs["cert"], "--tls-key", certs["key"]]
        self.log_path = log_path
        if log_path:
            args += ["--log", log_path]
        args += list(extra)
        super().__init__(args, "fake server")
        self.scheme = "https" if certs else "http"
        self.base = "%s://127.0.0.1:%d" % (self.scheme, self.port)

    def log(self):
        if not self.log_path or not os.path.exists(self.log_path):
            return []
        with open(self.log_path) as f:
            return [json.loads(l) for l in f if l.strip()]


class Gate:
    """A process that waits for a go signal, then execs `argv`. Started before agentprof so its pid
    can be given to --pid; the exec happens after the probes are attached (the exec path)."""

    def __init__(self, argv, env=None, cwd=None):
        self.proc = subprocess.Popen(
            ["/bin/sh", "-c", 'read _go; exec "$@"', "gate"] + list(argv),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=env, cwd=cwd)
        self.pid = self.proc.pid

    def go(self):
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.flush()

    def wait(self, timeout=120):
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, err


class Agentprof:
    """Runs `agentprof trace ...` until stop(); waits for its ready line."""

    def __init__(self, args, test=None, ready_timeout=60):
        if not os.path.exists(AGENTPROF):
            raise RuntimeError("%s is not built" % AGENTPROF)
        self.stderr_file = tempfile.NamedTemporaryFile(prefix="agentprof-stderr-", delete=False)
        self.stdout_file = tempfile.NamedTemporaryFile(prefix="agentprof-stdout-", delete=False)
        self.proc = subprocess.Popen([AGENTPROF, "trace"] + list(args),
                                     stdout=self.stdout_file, stderr=self.stderr_file)
        deadline = time.time() + ready_timeout
        while time.time() < deadline:
            text = self.stderr()
            if "agentprof: ready" in text:
                return
            if self.proc.poll() is not None:
                raise BpfUnavailable("agentprof exited with %d before ready: %s" % (self.proc.returncode, text.strip()))
            time.sleep(0.05)
        self.proc.kill()
        raise BpfUnavailable("agentprof not ready after %ds: %s" % (ready_timeout, self.stderr()))

    def stderr(self):
        with open(self.stderr_file.name, "r", errors="replace") as f:
            return f.read()

    def stdout(self):
        with open(self.stdout_file.name, "rb") as f:
            return f.read()

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError("agentprof did not exit within %ds of SIGINT" % timeout)
        return rc


def parse_raw(path):
    """Parses `--raw-file` output into {(pid, conn, dir): bytes} plus gap/close lists."""
    streams, gaps, closes, meta = {}, [], [], {}
    with open(path, "rb") as f:
        data = f.read()
    i = 0
    while i < len(data):
        nl = data.index(b"\n", i)
        header = data[i:nl].decode("utf-8", "replace")
        i = nl + 1
        fields = dict(kv.split("=", 1) for kv in header.split()[2:] if "=" in kv)
        kind = header.split()[1]
        key = (int(fields["pid"]), fields["conn"], fields.get("dir"))
        if kind == "data":
            n = int(fields["len"])
            chunk = data[i:i + n]
            i += n + 1
            buf = streams.setdefault(key, bytearray())
            if int(fields["pos"]) != len(buf):
                raise AssertionError("raw output positions not contiguous for %s" % (key,))
            buf += chunk
            meta.setdefault(key, fields)
        elif kind == "gap":
            gaps.append(fields)
        elif kind == "close":
            closes.append(fields)
    return streams, gaps, closes, meta


def parse_jsonl(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def blob_pattern(offset, length):
    """The fake server's /blob and the clients' /echo body: 16-byte "%015x\\n" offset records."""
    first, last = offset // 16, (offset + length + 15) // 16
    data = "".join("%015x\n" % (k * 16) for k in range(first, last)).encode()
    return data[offset - first * 16:offset - first * 16 + length]


def split_http_messages(stream):
    """Splits one direction of an HTTP/1.1 connection into [(head bytes, body bytes)], following
    content-length and chunked framing (test oracle, deliberately simple)."""
    out = []
    i = 0
    while i < len(stream):
        end = stream.find(b"\r\n\r\n", i)
        if end < 0:
            raise AssertionError("incomplete head at %d: %r" % (i, stream[i:i + 80]))
        head = stream[i:end + 4]
        i = end + 4
        lower = head.lower()
        m = re.search(rb"\r\ncontent-length:\s*(\d+)", lower)
        if b"transfer-encoding: chunked" in lower:
            body = bytearray()
            while True:
                nl = stream.index(b"\r\n", i)
                size = int(stream[i:nl].split(b";")[0], 16)
                i = nl + 2
                if size == 0:
                    i = stream.index(b"\r\n", i) + 2  # no trailers in our tests
                    break
                body += stream[i:i + size]
                i += size + 2
            out.append((head, bytes(body)))
        else:
            n = int(m.group(1)) if m else 0
            out.append((head, stream[i:i + n]))
            i += n
    return out


def connections_of(streams, pid):
    """{conn: {"egress": bytes, "ingress": bytes}} for one process."""
    conns = {}
    for (p, conn, direction), data in streams.items():
        if p == pid:
            conns.setdefault(conn, {"egress": b"", "ingress": b""})[direction] = bytes(data)
    return conns


def capture_summary(stderr):
    """Numbers from agentprof's exit summary."""
    def num(pattern):
        m = re.search(pattern, stderr)
        if not m:
            raise AssertionError("no %r in agentprof output:\n%s" % (pattern, stderr))
        return int(m.group(1))
    return {
        "data_bytes": num(r"captured: \d+ data records, (\d+) bytes"),
        "ringbuf_full_records": num(r"ringbuf_full=(\d+) records"),
        "ringbuf_full_bytes": num(r"ringbuf_full=\d+ records \((\d+) bytes\)"),
        "read_failed_bytes": num(r"read_failed=\d+ \((\d+) bytes\)"),
        "truncated_bytes": num(r"truncated_bytes=(\d+)"),
        "gap_bytes": num(r"stream_gaps=\d+ \((\d+) bytes\)"),
    }


def compile_hot_functions(directory):
    """Builds flame_targets/hot_functions.cpp into `directory`; returns the binary's path.
    -O0 + frame pointers: every function (leaves included) has a frame the kernel can walk."""
    binary = os.path.join(directory, "hot_functions")
    source = os.path.join(ROOT, "tests", "integration", "flame_targets", "hot_functions.cpp")
    subprocess.run(["g++", "-O0", "-fno-omit-frame-pointer", "-o", binary, source], check=True)
    return binary


def require_go():
    """Go test clients are built with Debian's golang-go: missing under CI=true is a failure,
    elsewhere a skip that says why."""
    import shutil
    if shutil.which("go") is None:
        if IN_CI:
            raise AssertionError("`go` (Debian golang-go) is missing and CI=true")
        raise unittest.SkipTest("`go` not installed (apt-get install golang-go)")


def build_go_module(source, out, work, ldflags=None):
    """Static build (CGO off) of the stdlib-only Go module in `source` into `out`, with a private
    GOCACHE/GOPATH under `work` so nothing outside the test's directory is touched; GOPROXY=off
    because these modules need no downloads. Returns `out`."""
    env = dict(os.environ, GOCACHE=os.path.join(work, "gocache"), GOPATH=os.path.join(work, "gopath"),
               GOFLAGS="-mod=mod", CGO_ENABLED="0", GO111MODULE="on", GOPROXY="off")
    args = ["go", "build"] + (["-ldflags=" + ldflags] if ldflags else []) + ["-o", out, "."]
    r = subprocess.run(args, cwd=source, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise RuntimeError("go build in %s failed:\n%s" % (source, r.stderr.decode(errors="replace")))
    return out


H2_PROXY_SRC = os.path.join(ROOT, "tests", "integration", "h2_proxy")


class H2Proxy(ListeningProcess):
    """tests/integration/h2_proxy (Go) on a free port: HTTP/2 over TLS (ALPN h2) in front of an
    HTTP/1.1 `upstream` (a FakeServer or its base URL), forwarding bodies and headers unchanged and
    streams chunk by chunk. HTTP/2 clients then make calls whose ground truth is the fake server's
    log. The certificate is the test server's; the CA verifies the upstream."""

    _binary = None  # built once per test process

    @classmethod
    def binary(cls):
        if cls._binary is None:
            require_go()
            work = tempfile.mkdtemp(prefix="agentprof-h2proxy-")
            # Build cache included (~25 MB): gone when the test process ends.
            atexit.register(shutil.rmtree, work, True)
            cls._binary = build_go_module(H2_PROXY_SRC, os.path.join(work, "h2proxy"), work)
        return cls._binary

    def __init__(self, certs, upstream):
        upstream_base = getattr(upstream, "base", upstream)
        super().__init__([self.binary(), "--listen-port", "0", "--cert", certs["cert"], "--key", certs["key"],
                          "--upstream", upstream_base, "--upstream-ca", certs["ca"]], "h2 proxy")
        self.base = "https://127.0.0.1:%d" % self.port


def span_attributes(span):
    return span["attributes"]


def assert_spans_match_log(test, spans, log, everything, ttft_ms, server_port):
    """One span per call of the fake server's `log` (entries of the calls under test), each with the
    response id, models, stream flag, status, tokens and tool calls the server logged, TTFT within
    20 ms of `ttft_ms` for streams, and server.port `server_port` (the port the client connected to);
    and no secret in `everything` (all of agentprof's outputs)."""
    test.assertEqual(len(spans), len(log), "one span per call: %d spans, %d calls\n%s" % (
        len(spans), len(log), json.dumps([s["name"] for s in spans])))
    attrs = span_attributes
    by_id = {attrs(s)["gen_ai.response.id"]: s for s in spans if "gen_ai.response.id" in attrs(s)}
    # APIs without response ids on the wire (Ollama) pair up in time order.
    no_id = sorted((s for s in spans if "gen_ai.response.id" not in attrs(s)),
                   key=lambda s: s["start_time_unix_nano"])
    for entry in log:
        span = by_id.get(entry["response_id"]) or (no_id.pop(0) if no_id else None)
        test.assertIsNotNone(span, "no span for %s %s" % (entry["path"], entry["response_id"]))
        a = attrs(span)
        test.assertEqual(a["gen_ai.request.model"] if "gen_ai.request.model" in a else a["gen_ai.response.model"],
                         entry["model"], a)
        test.assertEqual(a["gen_ai.response.model"], entry["response_model"])
        test.assertEqual(a["gen_ai.request.stream"], entry["stream"])
        test.assertEqual(a["http.response.status_code"], entry["status"])
        test.assertEqual(span["status"], "ok")
        # Absent on both sides when the wire carried no count (embeddings have no output).
        test.assertEqual(a.get("gen_ai.usage.input_tokens"), entry["input_tokens"], (entry, a))
        test.assertEqual(a.get("gen_ai.usage.output_tokens"), entry["output_tokens"], (entry, a))
        if entry.get("cache_read"):
            test.assertEqual(a["gen_ai.usage.cache_read.input_tokens"], entry["cache_read"])
        if entry.get("cache_write"):
            test.assertEqual(a["gen_ai.usage.cache_creation.input_tokens"], entry["cache_write"])
        if entry["stream"]:
            ttft = a["gen_ai.response.time_to_first_chunk"]
            test.assertLess(abs(ttft * 1000 - ttft_ms), 20, "TTFT %.1f ms vs %d ms" % (ttft * 1000, ttft_ms))
        test.assertEqual(a["process.pid"] > 0, True)
        test.assertEqual(a["server.port"], server_port)
        test.assertEqual(sorted(a.get("agentprof.tool_calls.names", [])), sorted(entry["tool_calls"]))
    test.assertNotIn(b"sk-test-SECRET", everything, "a secret reached an output")


class RecordingHttpServer:
    """An HTTP server on 127.0.0.1 that answers every POST with 200 (and `response_headers`) and
    records it as (path with query, headers, body), the body gunzipped when `gunzip` and the request
    says gzip. Stands in for the collectors agentprof pushes to (OTLP, Pyroscope)."""

    def __init__(self, gunzip=False, response_headers=()):
        self.requests = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                if gunzip and self.headers.get("content-encoding") == "gzip":
                    body = gzip.decompress(body)
                recorder.requests.append((self.path, dict(self.headers), body))
                self.send_response(200)
                for name, value in response_headers:
                    self.send_header(name, value)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def make_cgroup(test, name):
    """A new cgroup v2 directory `name` under the hierarchy's root, removed when `test` ends (once
    its processes are gone). No cgroup v2 mounted: a failure under CI=true, elsewhere a skip."""
    with open("/proc/mounts") as f:
        v2 = [m.split()[1] for m in f if m.split()[2] == "cgroup2"]
    if not v2:
        if IN_CI:
            test.fail("no cgroup v2 hierarchy mounted and CI=true")
        test.skipTest("no cgroup v2 hierarchy mounted")
    path = os.path.join(v2[0], name)
    os.makedirs(path, exist_ok=True)

    def remove():
        for _ in range(50):
            try:
                os.rmdir(path)
                return
            except OSError:
                time.sleep(0.1)
    test.addCleanup(remove)
    return path


def enter_cgroup(path, pid):
    with open(os.path.join(path, "cgroup.procs"), "w") as f:
        f.write(str(pid))


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


GO = shutil.which("go") or ("/usr/lib/go/bin/go" if os.path.exists("/usr/lib/go/bin/go") else None)


def pprof_top(test, path):
    """Function names of `go tool pprof -top` for a pprof file, highest flat first, and its text.
    Without Debian's golang-go: a failure under CI=true, elsewhere a skip."""
    if not GO:
        if IN_CI:
            test.fail("go (Debian golang-go) is needed to read the pprof back")
        test.skipTest("go not installed: pprof read-back not checked")
    r = subprocess.run([GO, "tool", "pprof", "-top", path], capture_output=True, text=True, timeout=180)
    test.assertEqual(r.returncode, 0, r.stderr)
    rows = [line.split() for line in r.stdout.splitlines()]
    # Rows: flat flat% sum% cum cum% name...
    return [" ".join(row[5:]) for row in rows if len(row) >= 6 and row[1].endswith("%") and row[2].endswith("%")], r.stdout
