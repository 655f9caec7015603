"""Go crypto/tls capture: a Go HTTPS client built here with Debian's golang-go and stripped
(-ldflags='-s -w') calls the fake LLM server over TLS on /v1/chat/completions and /v1/messages;
agentprof finds crypto/tls.(*Conn).Write/Read from .gopclntab, probes their entries and RETs, and the
JSONL spans carry exactly the tokens the server logged. Needs root (real BPF) and `go`; under CI=true
a missing `go` or BPF is a failure, elsewhere a skip that says why."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

import harness as h

GO_CLIENT_SRC = os.path.join(h.ROOT, "tests", "integration", "go_client")
GO_STACK_GROWTH_SRC = os.path.join(h.ROOT, "tests", "integration", "go_stack_growth")


# Two families, each plain and streamed, in one process.
CALLS = "openai-chat,anthropic,openai-chat:stream,anthropic:stream"


def attrs(span):
    return span.get("attributes", {})


def build_go_client(tmp, source=GO_CLIENT_SRC, name="go_llm_client"):
    """Stripped static build of a Go module with a private GOCACHE/GOPATH; returns the binary path."""
    return h.build_go_module(source, os.path.join(tmp, name), tmp, ldflags="-s -w")


class MarkerServer:
    """A TLS server on 127.0.0.1 that reads lines from one client until "end", then answers
    "ok <lines read>" and closes: the count the client really sent, to compare with the capture."""

    def __init__(self, certs):
        import socket
        import ssl
        import threading
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certs["cert"], certs["key"])
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.lines = []

        def serve():
            raw, _ = self.listener.accept()
            with context.wrap_socket(raw, server_side=True) as conn, conn.makefile("rb") as reader:
                for line in reader:
                    if line == b"end\n":
                        break
                    self.lines.append(line)
                conn.sendall(b"ok %d\n" % len(self.lines))
        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()

    def close(self):
        self.listener.close()


class GoTlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        h.require_go()
        cls.tmp = tempfile.mkdtemp(prefix="agentprof-go-")
        cls.client = build_go_client(cls.tmp)
        # The binary really is stripped: no symbol table, so only .gopclntab can locate crypto/tls.
        sections = subprocess.run(["readelf", "-S", "-W", cls.client], stdout=subprocess.PIPE,
                                  text=True).stdout
        assert ".symtab" not in sections and ".gopclntab" in sections, sections
        cls.certs = h.make_certs(cls.tmp)
        cls.log_path = os.path.join(cls.tmp, "server.jsonl")
        cls.server = h.FakeServer(cls.certs, extra=["--ttft-ms", "40", "--chunk-delay-ms", "5"],
                                  log_path=cls.log_path)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        subprocess.run(["chmod", "-R", "u+w", cls.tmp])
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def client_args(self, *extra):
        return [self.client, "--base-url", self.server.base, "--cafile", self.certs["ca"],
                "--api", CALLS] + list(extra)

    def finish(self, ap, proc_result, jsonl, before):
        rc, out, err = proc_result
        self.assertEqual(ap.stop(), 0, ap.stderr())
        self.assertEqual(rc, 0, "Go client failed: %s %s" % (out, err))
        with open(jsonl, "rb") as f:
            everything = b"\n".join([f.read(), ap.stdout(), ap.stderr().encode(), out])
        return h.parse_jsonl(jsonl), everything, self.server.log()[before:], ap.stderr()

    def start_agentprof(self, pid, jsonl, victim):
        try:
            return h.Agentprof(["--pid", str(pid), "--jsonl", jsonl])
        except h.BpfUnavailable as e:
            victim.kill()
            h.require_bpf(self, e)

    def test_running_stripped_go_client_exact_tokens(self):
        """The Go process is already running when agentprof starts: probed at the start-up scan."""
        jsonl = os.path.join(self.tmp, "running.jsonl")
        before = len(self.server.log())
        proc = subprocess.Popen(self.client_args("--wait-stdin"), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        ap = self.start_agentprof(proc.pid, jsonl, proc)
        self.assertIn("TLS probes", ap.stderr())
        out, err = proc.communicate(b"go\n", timeout=120)
        spans, everything, log, stderr = self.finish(ap, (proc.returncode, out, err), jsonl, before)
        self.assert_exact(spans, log, everything, stderr)

    def test_go_client_started_after_agentprof(self):
        """Exec path: the Go binary starts after agentprof and is analysed and probed on exec. The
        client waits a moment before its first call: attaching on exec is asynchronous, so a call made
        in the first milliseconds of a new process can be missed (counted as missed_call_entry)."""
        jsonl = os.path.join(self.tmp, "exec.jsonl")
        before = len(self.server.log())
        gate = h.Gate(self.client_args("--delay", "1500ms"))
        ap = self.start_agentprof(gate.pid, jsonl, gate.proc)
        gate.go()
        spans, everything, log, stderr = self.finish(ap, gate.wait(120), jsonl, before)
        self.assert_exact(spans, log, everything, stderr)

    def assert_exact(self, spans, log, everything, stderr):
        self.assertEqual(len(log), 4, log)
        self.assertEqual(len(spans), len(log), "one span per call; agentprof said:\n" + stderr[-3000:])
        by_id = {attrs(s).get("gen_ai.response.id"): s for s in spans}
        for entry in log:
            span = by_id.get(entry["response_id"])
            self.assertIsNotNone(span, "no span for %s %s; spans: %s\nagentprof said:\n%s" % (
                entry["path"], entry["response_id"], json.dumps([attrs(s) for s in spans])[:4000], stderr[-3000:]))
            a = attrs(span)
            self.assertEqual(a["gen_ai.response.model"], entry["response_model"])
            self.assertEqual(a["gen_ai.request.stream"], entry["stream"])
            self.assertEqual(a["http.response.status_code"], entry["status"])
            self.assertEqual(a["gen_ai.usage.input_tokens"], entry["input_tokens"], (entry, a))
            self.assertEqual(a["gen_ai.usage.output_tokens"], entry["output_tokens"], (entry, a))
            self.assertEqual(a["server.port"], self.server.port)
            self.assertEqual(span["status"], "ok")
        self.assertEqual(sorted(e["path"] for e in log),
                         ["/v1/chat/completions", "/v1/chat/completions", "/v1/messages", "/v1/messages"])
        self.assertNotIn(b"sk-test-SECRET", everything, "a secret reached an output")
        self.assertIn("missed_call_entry=0", stderr)

    def test_writes_through_a_stack_growth_restart_are_captured_once(self):
        """Fresh goroutines at 0..400 levels of recursion each write one marker: for some depths
        the stack check in (*Conn).Write's own prologue fails and Go runs the prologue again after
        growing the stack. Every marker must be captured exactly once, in order."""
        client = build_go_client(self.tmp, GO_STACK_GROWTH_SRC, "go_stack_growth")
        server = MarkerServer(self.certs)
        self.addCleanup(server.close)
        raw = os.path.join(self.tmp, "stack_growth.raw")
        gate = h.Gate([client, "--addr", "127.0.0.1:%d" % server.port, "--cafile", self.certs["ca"]])
        ap = self.start_agentprof_raw(gate, raw)
        gate.go()
        rc, out, err = gate.wait(120)
        self.assertEqual(ap.stop(), 0, ap.stderr())
        self.assertEqual((rc, out.strip()), (0, b"ok 401"), err)
        streams, gaps, _, _ = h.parse_raw(raw)
        egress = [data for (pid, _, direction), data in streams.items() if direction == "egress"]
        self.assertEqual(len(egress), 1, (list(streams), ap.stderr()))
        self.assertEqual(gaps, [])
        expected = b"".join(b"marker-%04d\n" % d for d in range(401)) + b"end\n"
        self.assertEqual(bytes(egress[0]), expected, "captured egress differs from what was sent")

    def start_agentprof_raw(self, gate, raw):
        try:
            # Held at exec until probed: the client's writes start right away.
            return h.Agentprof(["--pid", str(gate.pid), "--raw-file", raw, "--quiet", "--hold-new-executables"])
        except h.BpfUnavailable as e:
            gate.proc.kill()
            h.require_bpf(self, e)


if __name__ == "__main__":
    unittest.main()
