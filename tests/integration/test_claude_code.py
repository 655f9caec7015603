"""Issue 6, with real BPF and the real Claude Code CLI: stripped Bun executables with BoringSSL
inside, three releases built on different Bun versions, no per-release code or data. `claude -p`
talks to the fake Anthropic server over TLS; every /v1/messages call must become a span with the
exact tokens, model and time to first chunk, attributed to the claude process, and claude's output
must be the same with and without agentprof."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

AGENTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "agents", "node_modules")
RELEASES = ["2.1.330", "2.1.250", "2.1.150"]
TTFT_MS = 150


class ClaudeCode(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="agentprof-claude-")
        cls.certs = h.make_certs(cls.tmp)
        cls.log = os.path.join(cls.tmp, "server.jsonl")
        cls.server = h.FakeServer(cls.certs, extra=["--ttft-ms", str(TTFT_MS), "--no-tool-calls"],
                                  log_path=cls.log)
        cls.cache = os.path.join(cls.tmp, "bssl-cache")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def claude(self, release):
        path = os.path.join(AGENTS, "claude-code-" + release, "claude")
        if not os.path.exists(path):
            self.fail("%s missing: run `npm ci` in tests/integration/agents (scripts/test.sh does)" % path)
        return path

    def env(self):
        home = tempfile.mkdtemp(dir=self.tmp)
        return dict(os.environ, HOME=home, ANTHROPIC_BASE_URL=self.server.base,
                    ANTHROPIC_API_KEY="sk-test-SECRET-claude-key", NODE_EXTRA_CA_CERTS=self.certs["ca"],
                    DISABLE_AUTOUPDATER="1", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1")

    def run_release(self, release):
        binary = self.claude(release)
        prompt = "say hello"
        plain = subprocess.run([binary, "-p", prompt], env=self.env(), capture_output=True, timeout=120)
        self.assertEqual(plain.returncode, 0, plain.stderr[-2000:])

        jsonl = os.path.join(self.tmp, "claude-%s.jsonl" % release)
        before = len(self.server.log())
        gate = h.Gate([binary, "-p", prompt], env=self.env())
        try:
            ap = h.Agentprof(["--pid", str(gate.pid), "--jsonl", jsonl, "--quiet", "--no-store"])
        except h.BpfUnavailable as e:
            gate.proc.kill()
            h.require_bpf(self, e)
        gate.go()
        rc, out, err = gate.wait(120)
        self.assertEqual(ap.stop(), 0, ap.stderr())
        self.assertEqual(rc, 0, err[-2000:])
        self.assertEqual(out, plain.stdout, "claude's output changed under agentprof")

        log = [e for e in self.server.log()[before:] if e["path"].startswith("/v1/messages")]
        spans = h.parse_jsonl(jsonl)
        self.assertGreaterEqual(len(log), 1)
        self.assertEqual(len(spans), len(log), "one span per call:\n%s" % ap.stderr())
        by_id = {s["attributes"].get("gen_ai.response.id"): s for s in spans}
        for entry in log:
            a = by_id[entry["response_id"]]["attributes"]
            self.assertEqual(a["process.executable.name"], "claude")
            self.assertEqual(a["gen_ai.provider.name"], "anthropic")
            self.assertEqual(a["gen_ai.request.model"], entry["model"])
            self.assertEqual(a["gen_ai.usage.input_tokens"], entry["input_tokens"])
            self.assertEqual(a["gen_ai.usage.output_tokens"], entry["output_tokens"])
            self.assertEqual(a["http.response.status_code"], 200)
            self.assertTrue(a["gen_ai.request.stream"])
            # Claude Code's requests are ~100 KB of JSON: the fake server's own parsing adds to the
            # configured delay, so compare with the delay the server measured on its side.
            ttft = a["gen_ai.response.time_to_first_chunk"] * 1000
            served = (entry["first_body_byte_unix_ns"] - entry["request_done_unix_ns"]) / 1e6
            self.assertGreaterEqual(served, TTFT_MS)
            self.assertLess(abs(ttft - served), 20, "TTFT %.1f ms, server measured %.1f ms" % (ttft, served))
            self.assertIn("claude-cli", a.get("user_agent.original", ""))
        with open(jsonl, "rb") as f:
            self.assertNotIn(b"sk-test-SECRET", f.read())
        self.assertNotIn("sk-test-SECRET", ap.stderr())

    def test_claude_2_1_330(self):
        self.run_release("2.1.330")

    def test_claude_2_1_250(self):
        self.run_release("2.1.250")

    def test_claude_2_1_150(self):
        self.run_release("2.1.150")


if __name__ == "__main__":
    unittest.main()
