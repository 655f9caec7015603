"""Issue 3 end to end, with real BPF: real clients (Python urllib, curl, Node fetch, the official
openai and @anthropic-ai/sdk packages) call the fake LLM server over TLS; agentprof's JSONL must hold
exactly one span per call whose tokens, models, provider, status and time to first chunk match what
the server logged. Secrets sent by the clients must appear in no output."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

TTFT_MS = 200
SDK_DIR = os.path.join(h.CLIENTS, "node_modules")


def attrs(span):
    return span["attributes"]


class LlmEndToEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="agentprof-llm-")
        cls.certs = h.make_certs(cls.tmp)
        cls.log = os.path.join(cls.tmp, "server.jsonl")
        cls.server = h.FakeServer(cls.certs, extra=["--ttft-ms", str(TTFT_MS), "--chunk-delay-ms", "5"],
                                  log_path=cls.log)
        cls.env = dict(os.environ, NODE_EXTRA_CA_CERTS=cls.certs["ca"])

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def run_traced(self, commands, expect_client_ok=True, extra=(), before_go=None):
        """Runs shell `commands` behind a gate under agentprof; returns (spans, outputs text, log).
        `before_go(gate_pid)` runs once agentprof is ready, before the commands start."""
        name = self.id().split(".")[-1]
        jsonl = os.path.join(self.tmp, name + ".jsonl")
        raw = os.path.join(self.tmp, name + ".raw")
        before = len(self.server.log())
        gate = h.Gate(["/bin/sh", "-c", " && ".join(commands) if expect_client_ok else " ; ".join(commands)],
                      env=self.env, cwd=h.CLIENTS)
        try:
            ap = h.Agentprof(["--pid", str(gate.pid), "--jsonl", jsonl, "--raw-file", raw] + list(extra))
        except h.BpfUnavailable as e:
            gate.proc.kill()
            h.require_bpf(self, e)
        if before_go:
            before_go(gate.pid)
        gate.go()
        rc, out, err = gate.wait(300)
        self.assertEqual(ap.stop(), 0, ap.stderr())
        if expect_client_ok:
            self.assertEqual(rc, 0, "clients failed: %s %s" % (out[-2000:], err[-2000:]))
        with open(raw, "rb") as f:
            raw_bytes = f.read()
        with open(jsonl, "rb") as f:
            everything = b"\n".join([f.read(), raw_bytes, ap.stdout(), ap.stderr().encode()])
        return h.parse_jsonl(jsonl), everything, self.server.log()[before:]

    def python(self, api, *flags):
        return " ".join([h.PYTHON, "python_urllib_client.py", "--base-url", self.server.base, "--cafile",
                         self.certs["ca"], "--api", api] + list(flags))

    def node(self, script, *flags):
        return " ".join([h.NODE, script, "--base-url", self.server.base] + list(flags))

    def assert_spans_match_log(self, spans, log, everything):
        # self.server is read at call time: test_plaintext_ollama swaps in a plaintext server.
        h.assert_spans_match_log(self, spans, log, everything, TTFT_MS, self.server.port)

    def test_python_urllib_all_families(self):
        spans, everything, log = self.run_traced([
            self.python("openai-chat", "--count", "2"),
            self.python("openai-chat", "--stream", "--tools"),
            self.python("openai-responses", "--stream"),
            self.python("openai-embeddings"),
            self.python("anthropic", "--stream", "--tools", "--header", "'x-fake-cache-read: 7'",
                        "--header", "'x-fake-cache-write: 3'"),
            self.python("anthropic"),
            self.python("gemini", "--stream", "--header", "'x-fake-reasoning: 4'"),
            self.python("gemini", "--stream", "--gemini-array"),
            self.python("gemini"),
        ])
        self.assert_spans_match_log(spans, log, everything)
        providers = sorted({attrs(s)["gen_ai.provider.name"] for s in spans})
        self.assertEqual(providers, ["anthropic", "gcp.gemini", "openai"])
        ops = {attrs(s)["agentprof.api"]: attrs(s)["gen_ai.operation.name"] for s in spans}
        self.assertEqual(ops["openai.embeddings"], "embeddings")
        self.assertEqual(ops["gemini.generate_content"], "generate_content")
        self.assertEqual(ops["anthropic.messages"], "chat")

    def test_container_id_of_one_shot_processes(self):
        """Clients in a container-like cgroup (docker-<64 hex>.scope) that exit right after their one
        call: every span carries the container id, read while the process lived."""
        container = "%064x" % (0xA6E17 * (os.getpid() + 1))
        cg = h.make_cgroup(self, "docker-%s.scope" % container)
        spans, everything, log = self.run_traced([self.python("openai-chat")] * 3 + [
            self.python("anthropic", "--stream")], before_go=lambda pid: h.enter_cgroup(cg, pid))
        self.assert_spans_match_log(spans, log, everything)
        self.assertEqual([attrs(s).get("container.id") for s in spans], [container] * len(spans))
        self.assertEqual(len({attrs(s)["process.pid"] for s in spans}), 4)  # four one-shot processes

    def test_curl(self):
        body = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "one two three"}]})
        spans, everything, log = self.run_traced([
            "curl -s --compressed --cacert %s -H 'Authorization: Bearer sk-test-SECRET-curl' "
            "-H 'Content-Type: application/json' -d '%s' %s/v1/chat/completions > /dev/null" % (
                self.certs["ca"], body, self.server.base)])
        self.assert_spans_match_log(spans, log, everything)
        self.assertEqual(log[0]["content_encoding"], "gzip")
        self.assertGreater(attrs(spans[0])["agentprof.cost_usd"], 0)

    def test_node_fetch_and_https(self):
        spans, everything, log = self.run_traced([
            self.node("node_fetch_client.mjs", "--api", "anthropic", "--stream"),
            self.node("node_fetch_client.mjs", "--api", "openai-chat", "--stream"),
            self.node("node_https_client.mjs", "--api", "gemini", "--stream"),
        ])
        self.assert_spans_match_log(spans, log, everything)

    def test_official_sdks(self):
        if not os.path.isdir(os.path.join(SDK_DIR, "openai")):
            self.fail("npm packages missing: run `npm ci` in tests/integration/clients (scripts/test.sh does)")
        spans, everything, log = self.run_traced([
            self.node("node_sdk_client.mjs", "--mode", "openai-chat", "--stream"),
            self.node("node_sdk_client.mjs", "--mode", "openai-chat"),
            self.node("node_sdk_client.mjs", "--mode", "openai-responses", "--stream"),
            self.node("node_sdk_client.mjs", "--mode", "anthropic", "--stream", "--tools"),
            self.node("node_sdk_client.mjs", "--mode", "anthropic"),
        ])
        self.assert_spans_match_log(spans, log, everything)
        for s in spans:
            self.assertIn("stainless", json.dumps(s).lower() + "stainless")  # SDK traffic decoded
        agents = {attrs(s).get("user_agent.original", "") for s in spans}
        self.assertTrue(any("OpenAI" in a for a in agents) and any("Anthropic" in a for a in agents), agents)

    def test_stream_without_usage_reports_no_tokens(self):
        spans, everything, log = self.run_traced([self.python("openai-chat", "--stream", "--no-include-usage")])
        self.assertEqual(len(spans), 1)
        a = attrs(spans[0])
        self.assertNotIn("gen_ai.usage.input_tokens", a)
        self.assertNotIn("gen_ai.usage.output_tokens", a)
        self.assertIs(a["agentprof.usage.missing"], True)
        self.assertNotIn("agentprof.cost_usd", a)

    def test_errors_http_and_midstream(self):
        spans, everything, log = self.run_traced([
            self.python("openai-chat", "--header", "'x-fake-error: 429'"),
            self.python("anthropic", "--stream", "--header", "'x-fake-error: midstream'"),
            self.python("anthropic", "--header", "'x-fake-error: 529'"),
        ], expect_client_ok=False)
        self.assertEqual(len(spans), 3, [s["name"] for s in spans])
        by_api = {}
        for s in spans:
            self.assertEqual(s["status"], "error")
            by_api.setdefault(attrs(s)["agentprof.api"], []).append(attrs(s))
        self.assertEqual(by_api["openai.chat_completions"][0]["http.response.status_code"], 429)
        self.assertEqual(by_api["openai.chat_completions"][0]["error.type"], "rate_limit_exceeded")
        types = sorted(a["error.type"] for a in by_api["anthropic.messages"])
        self.assertEqual(types, ["overloaded_error", "overloaded_error"])
        self.assertNotIn(b"sk-test-SECRET", everything)

    def test_plaintext_ollama(self):
        plain_log = os.path.join(self.tmp, "ollama.jsonl")
        server = h.FakeServer(None, extra=["--ttft-ms", str(TTFT_MS)], log_path=plain_log)
        try:
            saved, self.server = self.server, server
            spans, everything, log = self.run_traced([
                self.python("ollama", "--stream"), self.python("ollama-generate", "--stream"),
                self.python("ollama")], extra=["--port", str(server.port)])
            self.assert_spans_match_log(spans, log, everything)
        finally:
            self.server = saved
            server.stop()
        self.assertEqual(sorted(attrs(s)["gen_ai.operation.name"] for s in spans),
                         ["chat", "chat", "text_completion"])

    def test_report_from_jsonl(self):
        spans, everything, log = self.run_traced([self.python("openai-chat", "--stream", "--count", "3"),
                                                  self.python("anthropic", "--count", "2")])
        jsonl = os.path.join(self.tmp, "test_report_from_jsonl.jsonl")
        r = subprocess.run([h.AGENTPROF, "report", jsonl, "--by", "provider", "--format", "json"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        report = json.loads(r.stdout)
        text = json.dumps(report)
        self.assertIn("openai", text)
        self.assertIn("anthropic", text)
        total_in = sum(e["input_tokens"] for e in log)
        self.assertIn(str(total_in), text)


if __name__ == "__main__":
    unittest.main()
