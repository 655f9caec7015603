"""Self-test of scripts/fake_llm_server.py and the real clients in tests/integration/clients/.

No BPF: it checks that the server speaks each provider's wire format, that every
client reads back exactly the numbers the server logged, and that the knobs the
agentprof integration tests rely on (gzip, TTFT, chunk delay, errors, keep-alive,
disconnects, secrets) really work.

Run from the repository root:
    /usr/bin/python3 -m unittest tests/integration/test_fake_server.py
Node SDK tests need `npm ci` in tests/integration/clients (skipped otherwise).
"""

import concurrent.futures
import gzip
import http.client
import json
import os
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SERVER = REPO / "scripts" / "fake_llm_server.py"
MAKE_CERT = REPO / "scripts" / "make-test-cert.sh"
CLIENTS = REPO / "tests" / "integration" / "clients"
PYTHON = "/usr/bin/python3"
NODE = "/usr/bin/node"
SECRET_MARK = "sk-test-SECRET"
LLM_APIS = ["openai-chat", "openai-responses", "openai-embeddings", "anthropic", "gemini", "ollama",
            "ollama-generate"]
TOKEN_FIELDS = ["input_tokens", "output_tokens", "cache_read", "cache_write", "reasoning"]
# The clients' default prompts: system "You are terse." (3 words) + user prompt (7 words).
PROMPT_WORDS = {"openai-chat": 10, "openai-responses": 10, "anthropic": 10, "gemini": 10, "ollama": 7,
                "ollama-generate": 7, "openai-embeddings": 14}
HAVE_SDKS = (CLIENTS / "node_modules" / "openai").is_dir() and \
    (CLIENTS / "node_modules" / "@anthropic-ai" / "sdk").is_dir()


class FakeServer:
    """One fake_llm_server.py process with its own log file."""

    def __init__(self, workdir, name, tls_dir=None, extra_args=()):
        self.log_path = Path(workdir) / f"{name}.log.jsonl"
        self.stderr_path = Path(workdir) / f"{name}.stderr"
        args = [PYTHON, str(SERVER), "--port", "0", "--log", str(self.log_path)] + list(extra_args)
        if tls_dir:
            args += ["--tls-cert", str(Path(tls_dir) / "server.pem"), "--tls-key", str(Path(tls_dir) / "server.key")]
        self.stderr_file = open(self.stderr_path, "w")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.stderr_file, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("LISTENING "):
            raise RuntimeError(f"server did not start: {line!r}")
        self.port = int(line.split()[1])
        self.scheme = "https" if tls_dir else "http"
        self.base_url = f"{self.scheme}://127.0.0.1:{self.port}"

    def log(self):
        if not self.log_path.exists():
            return []
        return [json.loads(line) for line in self.log_path.read_text().splitlines() if line.strip()]

    def wait_log(self, call_ids, timeout=5.0):
        """Log records by call_id; waits because the server logs after the last byte is sent."""
        want = set(call_ids)
        deadline = time.monotonic() + timeout
        while True:
            recs = {r["call_id"]: r for r in self.log() if r.get("call_id") in want}
            if len(recs) == len(want) or time.monotonic() > deadline:
                return recs
            time.sleep(0.02)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.stderr_file.close()


def setUpModule():
    global WORKDIR, TLS, PLAIN, CERTS, ALL_OUTPUT
    WORKDIR = tempfile.TemporaryDirectory(prefix="fake-llm-test-")
    CERTS = Path(WORKDIR.name) / "certs"
    subprocess.run(["sh", str(MAKE_CERT), str(CERTS)], check=True)
    TLS = FakeServer(WORKDIR.name, "tls", CERTS)
    PLAIN = FakeServer(WORKDIR.name, "plain")
    ALL_OUTPUT = []


def tearDownModule():
    TLS.stop()
    PLAIN.stop()
    WORKDIR.cleanup()


def run_client(kind, args, server=None, expect_ok=True):
    """Runs one client; returns its JSON lines. kind: python | fetch | https | sdk."""
    server = server or TLS
    env = dict(os.environ, NODE_EXTRA_CA_CERTS=str(CERTS / "ca.pem"))
    if kind == "python":
        cmd = [PYTHON, str(CLIENTS / "python_urllib_client.py"), "--cafile", str(CERTS / "ca.pem")]
    else:
        cmd = [NODE, str(CLIENTS / {"fetch": "node_fetch_client.mjs", "https": "node_https_client.mjs",
                                    "sdk": "node_sdk_client.mjs"}[kind])]
    cmd += ["--base-url", server.base_url] + args
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    ALL_OUTPUT.append(p.stdout + p.stderr)
    if expect_ok and p.returncode != 0:
        raise AssertionError(f"{cmd} exited {p.returncode}\n{p.stdout}\n{p.stderr}")
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


def raw_request(server, method, path, body=None, headers=None):
    """(status, headers dict lower-cased, raw body bytes) without any decoding."""
    if server.scheme == "https":
        ctx = ssl.create_default_context(cafile=str(CERTS / "ca.pem"))
        conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=ctx, timeout=10)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    conn.request(method, path, body=data, headers=headers or {})
    resp = conn.getresponse()
    raw = resp.read()
    hdrs = {k.lower(): v for k, v in resp.getheaders()}
    conn.close()
    return resp.status, hdrs, raw


class ClientsMatchServerLog(unittest.TestCase):
    """Every client, every API it supports: what it saw equals what the server logged."""

    def check_against_log(self, lines, server=None, expect_status=200):
        server = server or TLS
        self.assertTrue(lines)
        recs = server.wait_log([ln["call_id"] for ln in lines])
        for ln in lines:
            rec = recs.get(ln["call_id"])
            self.assertIsNotNone(rec, f"no log line for {ln['call_id']}")
            self.assertEqual(ln["status"], expect_status, ln)
            self.assertEqual(rec["status"], expect_status)
            for f in TOKEN_FIELDS:
                self.assertEqual(ln[f], rec[f], f"{f} differs: client {ln} vs log {rec}")
            self.assertEqual(ln["response_id"], rec["response_id"])
            self.assertEqual(ln["model"], rec["response_model"])
            self.assertEqual(sorted(ln["tool_calls"]), sorted(rec["tool_calls"]))
            if ln.get("local_port"):
                self.assertEqual(ln["local_port"], rec["client_port"])
        return recs

    def run_matrix(self, kind):
        knobs = ["--header", "x-fake-chunks: 4", "--header", "x-fake-cache-read: 11",
                 "--header", "x-fake-cache-write: 5", "--header", "x-fake-reasoning: 7"]
        cases = [(api, stream, tools)
                 for api in LLM_APIS
                 for stream in ((False,) if api == "openai-embeddings" else (False, True))
                 for tools in ((False, True) if api in ("openai-chat", "anthropic") else (False,))]

        def run(case):
            api, stream, tools = case
            args = ["--api", api, "--count", "2", "--connections", "1"] + knobs
            return run_client(kind, args + (["--stream"] if stream else []) + (["--tools"] if tools else []))

        # Client processes mostly wait (start-up, Nagle on the client side): run a few at once.
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            outputs = list(pool.map(run, cases))
        for (api, stream, tools), lines in zip(cases, outputs):
            with self.subTest(kind=kind, api=api, stream=stream, tools=tools):
                self.assertEqual(len(lines), 2)
                recs = self.check_against_log(lines)
                for ln in lines:
                    self.assertEqual(ln["input_tokens"], expected_input(api))
                    self.assertEqual(ln["output_tokens"], expected_output(api))
                    self.assertEqual(recs[ln["call_id"]]["prompt_words"], PROMPT_WORDS[api])
                    self.assertEqual(recs[ln["call_id"]]["stream"], stream)
                    if tools:
                        self.assertEqual(ln["tool_calls"], ["get_weather"])
                    if stream or api.startswith("ollama"):
                        self.assertTrue(ln["done"], ln)  # the stream's terminal event was seen
                    if api.startswith("openai") and api != "openai-embeddings":
                        self.assertTrue(ln["model"].endswith("-2025-01-01"))

    def test_python_client(self):
        self.run_matrix("python")

    def test_node_fetch_client(self):
        self.run_matrix("fetch")

    def test_node_https_client(self):
        self.run_matrix("https")

    @unittest.skipUnless(HAVE_SDKS, "run `npm ci` in tests/integration/clients for the SDK client")
    def test_node_sdk_client(self):
        cases = [(mode, stream) for mode in ("openai-chat", "openai-responses", "anthropic") for stream in (False, True)]

        def run(case):
            mode, stream = case
            return run_client("sdk", ["--mode", mode, "--count", "2", "--tools", "--header", "x-fake-chunks: 3",
                                      "--header", "x-fake-cache-read: 2"] + (["--stream"] if stream else []))

        with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
            outputs = list(pool.map(run, cases))
        for (mode, stream), lines in zip(cases, outputs):
            with self.subTest(mode=mode, stream=stream):
                self.check_against_log(lines)
                self.assertEqual(lines[0]["output_tokens"], 9)
                self.assertEqual(lines[0]["input_tokens"], 12)
                self.assertEqual(lines[0]["cache_read"], 2)
                self.assertEqual(lines[0]["tool_calls"], ["get_weather"])

    def test_plaintext_server(self):
        for kind in ("python", "fetch", "https"):
            with self.subTest(kind=kind):
                lines = run_client(kind, ["--api", "ollama", "--stream", "--count", "2", "--connections", "1"],
                                   server=PLAIN)
                recs = self.check_against_log(lines, server=PLAIN)
                self.assertEqual(lines[0]["output_tokens"], 15)
                self.assertTrue(all(r["api"] == "ollama.chat" for r in recs.values()))

    def test_gemini_json_array_stream(self):
        for kind in ("python", "https"):
            lines = run_client(kind, ["--api", "gemini", "--stream", "--gemini-array", "--header", "x-fake-chunks: 3"])
            recs = self.check_against_log(lines)
            self.assertEqual(lines[0]["output_tokens"], 9)
            self.assertTrue(recs[lines[0]["call_id"]]["stream"])


def expected_input(api):
    # Headers used by run_matrix: cache read 11, cache write 5 (Anthropic only), reasoning 7.
    words = PROMPT_WORDS[api]
    if api == "anthropic":
        return words + 11 + 5
    if api in ("openai-chat", "openai-responses", "gemini"):
        return words + 11
    return words


def expected_output(api):
    if api == "openai-embeddings":
        return None
    if api in ("openai-chat", "openai-responses", "gemini"):
        return 4 * 3 + 7
    return 4 * 3


class WireBehaviour(unittest.TestCase):

    def test_gzip_only_when_accepted(self):
        body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "one two three"}]}
        st, h, raw = raw_request(TLS, "POST", "/v1/chat/completions", body,
                                 {"Accept-Encoding": "gzip, deflate, br, zstd", "Content-Type": "application/json"})
        self.assertEqual(st, 200)
        self.assertEqual(h.get("content-encoding"), "gzip")
        self.assertEqual(raw[:2], b"\x1f\x8b")
        self.assertEqual(int(h["content-length"]), len(raw))
        self.assertEqual(json.loads(gzip.decompress(raw))["usage"]["prompt_tokens"], 3)
        st, h, raw = raw_request(TLS, "POST", "/v1/chat/completions", body, {"Accept-Encoding": "gzip;q=0"})
        self.assertNotIn("content-encoding", h)
        self.assertEqual(json.loads(raw)["usage"]["prompt_tokens"], 3)
        # Streams are chunked and never compressed.
        st, h, raw = raw_request(TLS, "POST", "/v1/messages", dict(body, stream=True, max_tokens=5),
                                 {"Accept-Encoding": "gzip"})
        self.assertEqual(h.get("transfer-encoding"), "chunked")
        self.assertNotIn("content-encoding", h)
        self.assertIn(b"event: message_stop", raw)
        # The clients report what they received.
        lines = run_client("python", ["--api", "anthropic"])
        self.assertEqual(lines[0]["content_encoding"], "gzip")
        self.assertEqual(TLS.wait_log([lines[0]["call_id"]])[lines[0]["call_id"]]["content_encoding"], "gzip")

    def test_ttft_delay_honoured(self):
        for kind, stream in (("python", True), ("python", False), ("fetch", True), ("https", False)):
            with self.subTest(kind=kind, stream=stream):
                args = ["--api", "openai-chat", "--header", "x-fake-ttft-ms: 300"] + (["--stream"] if stream else [])
                ln = run_client(kind, args)[0]
                self.assertGreaterEqual(ln["ttfb_ms"], 300)
                self.assertLess(ln["ttfb_ms"], 3000)
                rec = TLS.wait_log([ln["call_id"]])[ln["call_id"]]
                self.assertGreaterEqual(rec["first_body_byte_unix_ns"] - rec["request_done_unix_ns"], 300e6)

    def test_no_delay_by_default_and_chunk_delay(self):
        ln = run_client("python", ["--api", "anthropic", "--stream", "--connections", "1"])[0]
        self.assertLess(ln["ttfb_ms"], 500)  # generous: the machine may be busy
        ln = run_client("python", ["--api", "anthropic", "--stream", "--header", "x-fake-chunks: 4",
                                   "--header", "x-fake-chunk-delay-ms: 60"])[0]
        # message_start .. message_stop is 10 events: 9 gaps of 60 ms.
        self.assertGreaterEqual(ln["duration_ms"] - ln["ttfb_ms"], 9 * 60 * 0.9)

    def test_command_line_defaults(self):
        server = FakeServer(WORKDIR.name, "defaults", extra_args=["--ttft-ms", "800", "--chunk-delay-ms", "50",
                                                                  "--chunks", "3"])
        try:
            ln = run_client("python", ["--api", "ollama", "--stream"], server=server)[0]
            self.assertGreaterEqual(ln["ttfb_ms"], 800)
            self.assertEqual(ln["output_tokens"], 9)
            self.assertGreaterEqual(ln["duration_ms"] - ln["ttfb_ms"], 3 * 50 * 0.9)  # 4 NDJSON lines
            # A per-request header overrides the command line.
            ln = run_client("python", ["--api", "ollama", "--header", "x-fake-ttft-ms: 0"], server=server)[0]
            self.assertLess(ln["ttfb_ms"], 600)
        finally:
            server.stop()

    def test_midstream_errors(self):
        expected = {"openai-chat": "server_error", "openai-responses": "server_error",
                    "anthropic": "overloaded_error", "gemini": "UNAVAILABLE",
                    "ollama": "an error was encountered while running the model"}
        for api, err in expected.items():
            for kind in ("python", "https"):
                with self.subTest(api=api, kind=kind):
                    lines = run_client(kind, ["--api", api, "--stream", "--header", "x-fake-error: midstream",
                                              "--header", "x-fake-chunks: 6"], expect_ok=False)
                    ln = lines[0]
                    self.assertEqual(ln["status"], 200)
                    self.assertEqual(ln["error"], err)
                    rec = TLS.wait_log([ln["call_id"]])[ln["call_id"]]
                    self.assertEqual(rec["error"], "midstream")
                    for f in ("input_tokens", "output_tokens"):
                        self.assertEqual(ln[f], rec[f])
                    self.assertNotEqual(rec["output_tokens"], 18)  # never the full count

    def test_error_statuses(self):
        cases = [("openai-chat", 429, "requests", "1"), ("openai-chat", 500, "server_error", None),
                 ("anthropic", 529, "overloaded_error", "2"), ("anthropic", 429, "rate_limit_error", "1"),
                 ("anthropic", 400, "invalid_request_error", None), ("gemini", 429, "RESOURCE_EXHAUSTED", "1"),
                 ("ollama", 500, "fake error 500 on request", None)]
        for api, status, err, retry in cases:
            with self.subTest(api=api, status=status):
                ln = run_client("python", ["--api", api, "--stream", "--header", f"x-fake-error: {status}"],
                                expect_ok=False)[0]
                self.assertEqual((ln["status"], ln["error"], ln["retry_after"]), (status, err, retry))
                rec = TLS.wait_log([ln["call_id"]])[ln["call_id"]]
                self.assertEqual(rec["status"], status)
                self.assertIsNone(rec["input_tokens"])
        st, h, raw = raw_request(TLS, "POST", "/v1beta/models/gemini-2.5-pro:generateContent", {"contents": []},
                                 {"x-fake-error": "429"})
        details = json.loads(raw)["error"]["details"]
        self.assertEqual(details[0]["retryDelay"], "1s")

    def test_usage_only_with_include_usage(self):
        ln = run_client("python", ["--api", "openai-chat", "--stream", "--no-include-usage"])[0]
        self.assertTrue(ln["done"])
        self.assertIsNone(ln["input_tokens"])
        rec = TLS.wait_log([ln["call_id"]])[ln["call_id"]]
        self.assertIsNone(rec["input_tokens"])
        self.assertIsNone(rec["output_tokens"])
        self.assertEqual(rec["prompt_words"], 10)

    def test_prompt_word_rules(self):
        body = {"model": "claude-x", "max_tokens": 10,
                "system": [{"type": "text", "text": "alpha beta"}],
                "messages": [{"role": "user", "content": [
                    {"type": "text", "text": "one  two\nthree"},
                    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA BBBB"}}]},
                    {"role": "assistant", "content": "four"}],
                "tools": [{"name": "t", "description": "not counted at all", "input_schema": {}}]}
        st, h, raw = raw_request(TLS, "POST", "/v1/messages?beta=true", body)
        self.assertEqual(st, 200)
        usage = json.loads(raw)["usage"]
        self.assertEqual(usage["input_tokens"], 6)
        self.assertEqual(usage["output_tokens"], 15)
        self.assertEqual(json.loads(raw)["content"][1]["name"], "t")
        gem = {"contents": [{"role": "user", "parts": [{"text": "a b c"}, {"inlineData": {"data": "x y"}}]}]}
        st, h, raw = raw_request(TLS, "POST", "/v1beta/models/gemini-2.5-pro:generateContent", gem,
                                 {"x-fake-chunks": "2", "x-fake-reasoning": "4", "x-fake-cache-read": "3"})
        um = json.loads(raw)["usageMetadata"]
        self.assertEqual((um["promptTokenCount"], um["candidatesTokenCount"], um["thoughtsTokenCount"],
                          um["cachedContentTokenCount"], um["totalTokenCount"]), (6, 6, 4, 3, 16))

    def test_azure_and_openrouter_paths(self):
        st, h, raw = raw_request(TLS, "POST", "/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21",
                                 {"messages": [{"role": "user", "content": "x y"}], "stream": True})
        self.assertEqual(st, 200)
        first = raw.split(b"\n\n")[0]
        self.assertIn(b'"prompt_filter_results"', first)  # Azure's filter-only first chunk
        self.assertIn(b'"model":"my-gpt-2025-01-01"', raw)
        st, h, raw = raw_request(TLS, "POST", "/api/v1/chat/completions",
                                 {"model": "openai/gpt-4o", "messages": [{"role": "user", "content": "x"}]})
        obj = json.loads(raw)
        self.assertEqual(obj["model"], "openai/gpt-4o")
        self.assertIn("cost", obj["usage"])

    def test_echo_and_blob_keepalive_concurrency(self):
        for kind in ("python", "https"):
            for api, size in (("echo", 1 << 20), ("blob", 3 << 20 | 7)):
                with self.subTest(kind=kind, api=api):
                    lines = run_client(kind, ["--api", api, "--size", str(size), "--count", "6",
                                              "--concurrency", "3", "--connections", "2"])
                    self.assertEqual(len(lines), 6)
                    self.assertTrue(all(ln["ok"] and ln["body_bytes"] == size for ln in lines))
                    recs = TLS.wait_log([ln["call_id"] for ln in lines])
                    ports = {r["client_port"] for r in recs.values()}
                    self.assertLessEqual(len(ports), 2)  # keep-alive: at most 2 connections for 6 calls
                    for r in recs.values():
                        self.assertEqual(r["response_body_bytes"], size)
        # --connections 0: one connection per call
        lines = run_client("python", ["--api", "echo", "--count", "3"])
        self.assertEqual(len({ln["local_port"] for ln in lines}), 3)

    def test_blob_pattern_is_position_coded(self):
        st, h, raw = raw_request(PLAIN, "GET", "/blob?size=40")
        self.assertEqual(raw, b"000000000000000\n000000000000010\n00000000")
        st, h, raw = raw_request(PLAIN, "GET", "/blob?size=70000")
        self.assertEqual(raw[65536:65552], b"%015x\n" % 65536)
        self.assertEqual(len(raw), 70000)

    def test_client_disconnect_mid_stream(self):
        ctx = ssl.create_default_context(cafile=str(CERTS / "ca.pem"))
        body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}).encode()
        with ctx.wrap_socket(socket.create_connection(("127.0.0.1", TLS.port)), server_hostname="localhost") as s:
            s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"x-fake-chunks: 200\r\nx-fake-chunk-delay-ms: 10\r\nx-fake-call-id: cut-conn\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.assertTrue(s.recv(100).startswith(b"HTTP/1.1 200"))
        rec = TLS.wait_log(["cut-conn"])["cut-conn"]
        self.assertTrue(rec["disconnected"])
        self.assertLess(rec["response_body_bytes"], 200 * 100)
        self.assertTrue(run_client("python", ["--api", "openai-chat", "--stream"])[0]["ok"])  # still serving

    def test_request_body_framings(self):
        body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "w1 w2 w3 w4"}]}).encode()
        st, h, raw = raw_request(TLS, "POST", "/v1/chat/completions", gzip.compress(body),
                                 {"Content-Encoding": "gzip", "Content-Type": "application/json"})
        self.assertEqual(json.loads(raw)["usage"]["prompt_tokens"], 4)
        chunked = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 7]), body[i:i + 7])
                           for i in range(0, len(body), 7)) + b"0\r\n\r\n"
        st, h, raw = raw_request(TLS, "POST", "/v1/chat/completions", chunked,
                                 {"Transfer-Encoding": "chunked", "Content-Type": "application/json"})
        self.assertEqual(json.loads(raw)["usage"]["prompt_tokens"], 4)
        st, h, raw = raw_request(TLS, "POST", "/v1/chat/completions", b"not gzip", {"Content-Encoding": "gzip"})
        self.assertEqual(st, 400)

    def test_http10_stream_is_close_delimited(self):
        body = json.dumps({"model": "m", "prompt": "a b"}).encode()
        with socket.create_connection(("127.0.0.1", PLAIN.port), timeout=10) as s:
            s.sendall(b"POST /api/generate HTTP/1.0\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        head, _, payload = data.partition(b"\r\n\r\n")
        self.assertNotIn(b"chunked", head.lower())
        lines = [json.loads(x) for x in payload.splitlines()]
        self.assertEqual((lines[-1]["prompt_eval_count"], lines[-1]["eval_count"]), (2, 15))

    def test_bad_requests_are_reported(self):
        st, h, raw = raw_request(TLS, "POST", "/v1/chat/completions", b"{not json", {"Content-Type": "application/json"})
        self.assertEqual(st, 400)
        self.assertEqual(json.loads(raw)["error"]["type"], "invalid_request_error")
        st, h, raw = raw_request(TLS, "POST", "/v1/messages", {"model": "c"}, {"x-fake-chunks": "lots"})
        self.assertEqual(st, 400)
        st, h, raw = raw_request(TLS, "POST", "/nope", {})
        self.assertEqual(st, 404)
        st, h, raw = raw_request(TLS, "GET", "/blob?size=-1")
        self.assertEqual(st, 400)

    def test_concurrent_streams(self):
        results = []

        def one():
            results.extend(run_client("python", ["--api", "gemini", "--stream", "--header", "x-fake-chunks: 5",
                                                 "--header", "x-fake-chunk-delay-ms: 200"]))
        threads = [threading.Thread(target=one) for _ in range(4)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(results), 4)
        self.assertTrue(all(r["ok"] and r["output_tokens"] == 15 for r in results))
        # Each stream takes >= 4 x 200 ms: one after another would need >= 3.2 s.
        self.assertLess(time.monotonic() - t0, 2.4)


class SecretsNeverLeak(unittest.TestCase):
    """Runs last (alphabetical class order is not guaranteed, so it makes its own traffic too)."""

    def test_no_secret_in_any_output(self):
        run_client("python", ["--api", "openai-chat", "--stream"])
        run_client("https", ["--api", "anthropic"])
        run_client("fetch", ["--api", "gemini", "--stream"])
        st, _, _ = raw_request(TLS, "POST", "/v1beta/models/g:generateContent?key=" + SECRET_MARK + "-QUERY",
                               {"contents": []}, {"x-goog-api-key": SECRET_MARK + "-HDR", "api-key": SECRET_MARK})
        self.assertEqual(st, 200)
        texts = [TLS.log_path.read_text(), PLAIN.log_path.read_text(), TLS.stderr_path.read_text(),
                 PLAIN.stderr_path.read_text()] + ALL_OUTPUT
        self.assertGreater(len(texts[0]), 1000)
        for t in texts:
            self.assertNotIn(SECRET_MARK, t)
            self.assertNotIn("Bearer", t)


if __name__ == "__main__":
    unittest.main()
