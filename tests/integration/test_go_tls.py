"""Go crypto/tls capture: a Go HTTPS client built here with Debian's golang-go and stripped
(-ldflags='-s -w') calls the fake LLM server over TLS on /v1/chat/completions and /v1/messages;
agentprof finds crypto/tls.(*Conn).Write/Read from .gopclntab, probes their entries and RETs, and the
JSONL spans carry exactly the tokens the server logged. Needs root (real BPF) and `go`; under CI=true
a missing `go` or BPF is a failure, elsewhere a skip that says why."""

import os
import shutil
import subprocess
import tempfile
import unittest

import harness as h

GO_CLIENT_SRC = os.path.join(h.ROOT, "tests", "integration", "go_client")


def attrs(span):
    return span.get("attributes", {})


def build_go_client(tmp):
    """Stripped static build of go_client with a private GOCACHE/GOPATH; returns the binary path."""
    out = os.path.join(tmp, "go_llm_client")
    env = dict(os.environ, GOCACHE=os.path.join(tmp, "gocache"), GOPATH=os.path.join(tmp, "gopath"),
               GOFLAGS="-mod=mod", CGO_ENABLED="0", GO111MODULE="on")
    subprocess.run(["go", "build", "-ldflags=-s -w", "-o", out, "."], cwd=GO_CLIENT_SRC, env=env,
                   check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return out


class GoTlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if shutil.which("go") is None:
            if h.IN_CI:
                raise AssertionError("`go` (Debian golang-go) is missing and CI=true")
            raise unittest.SkipTest("`go` not installed (apt-get install golang-go)")
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

    def go_client(self, apis, stream):
        cmd = [self.client, "--base-url", self.server.base, "--cafile", self.certs["ca"], "--api", apis]
        return " ".join(cmd + (["--stream"] if stream else []))

    def run_traced(self, commands):
        name = self.id().split(".")[-1]
        jsonl = os.path.join(self.tmp, name + ".jsonl")
        before = len(self.server.log())
        gate = h.Gate(["/bin/sh", "-c", " && ".join(commands)])
        try:
            ap = h.Agentprof(["--pid", str(gate.pid), "--jsonl", jsonl])
        except h.BpfUnavailable as e:
            gate.proc.kill()
            h.require_bpf(self, e)
        gate.go()
        rc, out, err = gate.wait(120)
        self.assertEqual(ap.stop(), 0, ap.stderr())
        self.assertEqual(rc, 0, "Go client failed: %s %s" % (out, err))
        with open(jsonl, "rb") as f:
            everything = b"\n".join([f.read(), ap.stdout(), ap.stderr().encode(), out])
        return h.parse_jsonl(jsonl), everything, self.server.log()[before:], ap.stderr()

    def assert_exact(self, spans, log, everything, stderr):
        self.assertEqual(len(log), 4, log)
        self.assertEqual(len(spans), len(log), "one span per call; agentprof said:\n" + stderr[-3000:])
        by_id = {attrs(s).get("gen_ai.response.id"): s for s in spans}
        for entry in log:
            span = by_id.get(entry["response_id"])
            self.assertIsNotNone(span, "no span for %s %s" % (entry["path"], entry["response_id"]))
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

    def test_stripped_go_client_exact_tokens(self):
        spans, everything, log, stderr = self.run_traced([
            self.go_client("openai-chat,anthropic", stream=False),
            self.go_client("openai-chat,anthropic", stream=True),
        ])
        self.assert_exact(spans, log, everything, stderr)


if __name__ == "__main__":
    unittest.main()
