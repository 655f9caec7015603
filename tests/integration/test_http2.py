"""HTTP/2 end to end, with real BPF: curl (nghttp2 over OpenSSL) and the Go test client (crypto/tls,
net/http's bundled h2) call the fake LLM server through tests/integration/h2_proxy, which speaks
HTTP/2 over TLS to them and HTTP/1.1 to the server. agentprof traces only the clients (--pid of the
gate), so every span comes from decoding their HTTP/2 connection; each must match what the server
logged, with server.port the proxy's port, and the clients' secrets must appear in no output.
Needs root (real BPF) and `go`; under CI=true a missing `go` or BPF is a failure, elsewhere a skip."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
from test_go_tls import build_go_client  # noqa: E402

TTFT_MS = 300
# Two families, each plain and streamed, in one process (one HTTP/2 connection).
GO_CALLS = "openai-chat,anthropic,openai-chat:stream,anthropic:stream"


class Http2ThroughProxy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        h.require_go()
        cls.tmp = tempfile.mkdtemp(prefix="agentprof-h2-")
        cls.certs = h.make_certs(cls.tmp)
        cls.log_path = os.path.join(cls.tmp, "server.jsonl")
        cls.server = h.FakeServer(cls.certs, extra=["--ttft-ms", str(TTFT_MS), "--chunk-delay-ms", "5"],
                                  log_path=cls.log_path)
        try:
            cls.proxy = h.H2Proxy(cls.certs, cls.server)
        except BaseException:
            cls.server.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        cls.server.stop()
        subprocess.run(["chmod", "-R", "u+w", cls.tmp])
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_traced(self, argv):
        """Runs `argv` behind a gate under `agentprof trace --pid <gate>`; returns (spans, every
        output as bytes, the server log entries of this run, client stdout text, agentprof stderr)."""
        name = self.id().split(".")[-1]
        jsonl = os.path.join(self.tmp, name + ".jsonl")
        raw = os.path.join(self.tmp, name + ".raw")
        before = len(self.server.log())
        gate = h.Gate(argv)
        try:
            ap = h.Agentprof(["--pid", str(gate.pid), "--jsonl", jsonl, "--raw-file", raw])
        except h.BpfUnavailable as e:
            gate.proc.kill()
            h.require_bpf(self, e)
        gate.go()
        rc, out, err = gate.wait(300)
        self.assertEqual(ap.stop(), 0, ap.stderr())
        self.assertEqual(rc, 0, "clients failed: %s %s\nproxy said: %s" % (
            out[-2000:], err[-2000:], self.proxy.stderr()[-2000:]))
        with open(raw, "rb") as f:
            self.raw = f.read()
        with open(jsonl, "rb") as f:
            everything = b"\n".join([f.read(), self.raw, ap.stdout(), ap.stderr().encode(), out, err])
        return h.parse_jsonl(jsonl), everything, self.server.log()[before:], out.decode(), ap.stderr()

    def assert_calls_decoded(self, spans, log, everything, agentprof_stderr, connections):
        # Checked first, with agentprof's counters in the message: a build that does not decode
        # HTTP/2 stops here with 0 spans.
        self.assertEqual(len(spans), len(log), "one span per HTTP/2 call: %d spans, %d calls; agentprof said:\n%s" % (
            len(spans), len(log), agentprof_stderr[-3000:]))
        # Every call here succeeds on the wire: name what went wrong before the field-by-field checks.
        not_ok = [(s["name"], s["attributes"].get("error.type")) for s in spans if s["status"] != "ok"]
        self.assertEqual(not_ok, [], "spans not ok; agentprof said:\n%s" % agentprof_stderr[-3000:])
        h.assert_spans_match_log(self, spans, log, everything, TTFT_MS, self.proxy.port)
        self.assertEqual({s["attributes"].get("network.protocol.version") for s in spans}, {"2"})
        # The exit summary counts the HTTP/2 connections, none of them given up on.
        self.assertIn(" http2=%d http2_undecodable=0 " % connections, agentprof_stderr)
        # --raw shows HTTP/2 too: request bodies in DATA frames readable, header blocks masked
        # (HPACK hides names from the HTTP/1 rules, so every header block is masked whole).
        self.assertIn(b'"messages"', self.raw)
        self.assertIn(b"PRI * HTTP/2.0", self.raw)

    def curl(self, path, body, *headers):
        """A curl --http2 call through the proxy that prints only the HTTP version it used."""
        header_args = " ".join("-H '%s'" % v for v in ("Content-Type: application/json",) + headers)
        return ("curl --http2 -s --fail -o /dev/null -w '%%{http_version}\\n' --cacert %s %s -d '%s' %s%s" % (
            self.certs["ca"], header_args, json.dumps(body), self.proxy.base, path))

    def test_curl_http2(self):
        openai_key = "Authorization: Bearer sk-test-SECRET-h2"
        chat = {"model": "gpt-4o", "messages": [{"role": "user", "content": "one two three"}]}
        chat_stream = dict(chat, stream=True, stream_options={"include_usage": True})
        messages = {"model": "claude-sonnet-4-5", "max_tokens": 256, "stream": True,
                    "messages": [{"role": "user", "content": "four five six seven"}]}
        commands = [
            self.curl("/v1/chat/completions", chat, openai_key),
            self.curl("/v1/chat/completions", chat_stream, openai_key),
            self.curl("/v1/messages", messages, "x-api-key: sk-test-SECRET-h2", "anthropic-version: 2023-06-01"),
        ]
        spans, everything, log, out, stderr = self.run_traced(["/bin/sh", "-c", " && ".join(commands)])
        self.assertEqual(out.split(), ["2", "2", "2"], "curl did not use HTTP/2 through the proxy")
        self.assertEqual([(e["path"], e["stream"]) for e in log], [
            ("/v1/chat/completions", False), ("/v1/chat/completions", True), ("/v1/messages", True)])
        self.assert_calls_decoded(spans, log, everything, stderr, connections=3)

    def test_go_client_http2(self):
        client = build_go_client(self.tmp)
        # The delay lets probes attach after the exec (asynchronous), as in test_go_tls.
        spans, everything, log, out, stderr = self.run_traced([
            client, "--http2", "--base-url", self.proxy.base, "--cafile", self.certs["ca"],
            "--api", GO_CALLS, "--delay", "1500ms"])
        # Each line: "<call> <status> <n> bytes <protocol>".
        protocols = [line.split()[-1] for line in out.splitlines()]
        self.assertEqual(protocols, ["HTTP/2.0"] * 4, out)
        self.assertEqual(sorted(e["path"] for e in log),
                         ["/v1/chat/completions", "/v1/chat/completions", "/v1/messages", "/v1/messages"])
        self.assert_calls_decoded(spans, log, everything, stderr, connections=1)


if __name__ == "__main__":
    unittest.main()
