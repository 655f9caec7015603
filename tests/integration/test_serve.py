"""Issue 4 end to end, with real BPF: `agentprof serve` traces real clients calling the fake LLM
server, a real Prometheus scrapes its endpoint, a local OTLP/HTTP receiver gets traces and metrics
(decoded with protoc and the project's .proto files), and the embedded store keeps every span
across a restart."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

PROTO_DIR = os.path.join(h.ROOT, "exporters", "otlp", "proto")




class OtlpReceiver(h.RecordingHttpServer):
    """A minimal OTLP/HTTP receiver: stores every request body (gunzipped) by path."""

    def __init__(self):
        super().__init__(gunzip=True, response_headers=[("content-type", "application/x-protobuf")])

    def decode(self, path, message, proto):
        out = []
        for p, _, body in self.requests:
            if p == path:
                r = subprocess.run(["protoc", "--proto_path=" + PROTO_DIR, "--decode=" + message, proto],
                                   input=body, capture_output=True)
                if r.returncode != 0:
                    raise AssertionError("protoc could not decode %s: %s" % (path, r.stderr))
                out.append(r.stdout.decode())
        return out


class ServeTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="agentprof-serve-")
        self.certs = h.make_certs(self.tmp)
        self.server_log = os.path.join(self.tmp, "server.jsonl")
        self.server = h.FakeServer(self.certs, extra=["--ttft-ms", "50"], log_path=self.server_log)
        self.receiver = OtlpReceiver()
        self.store = os.path.join(self.tmp, "spans.db")
        self.jsonl = os.path.join(self.tmp, "spans.jsonl")
        self.prom_port = h.free_port()

    def tearDown(self):
        self.server.stop()
        self.receiver.stop()

    def start_serve(self, gate_pid, extra=()):
        env = dict(os.environ, OTEL_SERVICE_NAME="agentprof-ci", OTEL_RESOURCE_ATTRIBUTES="deployment.environment=ci",
                   OTEL_EXPORTER_OTLP_HEADERS="x-tenant=ci")
        config = os.path.join(self.tmp, "agentprof.yaml")
        with open(config, "w") as f:
            f.write("otlp:\n  metrics_interval: 1s\nstore:\n  max_age: 30d\n")
        log = open(os.path.join(self.tmp, "serve-%d.err" % time.time_ns()), "w+")
        proc = subprocess.Popen([h.AGENTPROF, "serve", "-c", config, "--pid", str(gate_pid), "--prometheus",
                                 "127.0.0.1:%d" % self.prom_port, "--store", self.store, "--otlp",
                                 "http://127.0.0.1:%d" % self.receiver.port, "--jsonl", self.jsonl] + list(extra),
                                stdout=subprocess.DEVNULL, stderr=log, env=env)
        deadline = time.time() + 60
        while time.time() < deadline:
            log.seek(0)
            text = log.read()
            if "agentprof: ready" in text:
                return proc, log
            if proc.poll() is not None:
                h.require_bpf(self, h.BpfUnavailable(text))
            time.sleep(0.05)
        proc.kill()
        self.fail("serve not ready")

    def run_clients(self, serve_extra=()):
        py = " ".join([h.PYTHON, os.path.join(h.CLIENTS, "python_urllib_client.py"), "--base-url", self.server.base,
                       "--cafile", self.certs["ca"]])
        gate = h.Gate(["/bin/sh", "-c", "%s --api openai-chat --stream --count 3 && %s --api anthropic --count 2 && "
                       "%s --api openai-chat --header 'x-fake-error: 429'; true" % (py, py, py)])
        proc, log = self.start_serve(gate.pid, serve_extra)
        gate.go()
        self.assertEqual(gate.wait()[0], 0)
        return proc, log

    def prometheus_query(self, prom_url, query):
        url = prom_url + "/api/v1/query?" + urllib.parse.urlencode({"query": query})
        with urllib.request.urlopen(url, timeout=10) as r:
            data = json.load(r)
        return data["data"]["result"]

    def test_prometheus_otlp_and_store(self):
        proc, log = self.run_clients()
        served = [e for e in h.FakeServer.log(self.server)]
        self.assertEqual(len(served), 6)
        ok = [e for e in served if e["status"] == 200]
        total_in = sum(e["input_tokens"] for e in ok)
        total_out = sum(e["output_tokens"] for e in ok)

        # Our own endpoint: valid exposition format.
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.prom_port, timeout=10) as r:
            text = r.read()
        check = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertIn(b"gen_ai_client_token_usage_bucket", text)

        # A real Prometheus scrapes it.
        prom_port = h.free_port()
        prom_cfg = os.path.join(self.tmp, "prometheus.yml")
        with open(prom_cfg, "w") as f:
            f.write("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: agentprof\n"
                    "    static_configs:\n      - targets: ['127.0.0.1:%d']\n" % self.prom_port)
        prom = subprocess.Popen(["prometheus", "--config.file=" + prom_cfg, "--storage.tsdb.path=" +
                                 os.path.join(self.tmp, "tsdb"), "--web.listen-address=127.0.0.1:%d" % prom_port],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            prom_url = "http://127.0.0.1:%d" % prom_port
            result = []
            deadline = time.time() + 60
            while time.time() < deadline and not result:
                time.sleep(1)
                try:
                    result = self.prometheus_query(prom_url, "sum(gen_ai_client_operation_duration_seconds_count)")
                except OSError:
                    pass
            self.assertTrue(result, "Prometheus never got the series")
            self.assertEqual(float(result[0]["value"][1]), 6)
            tok = self.prometheus_query(prom_url, 'sum by (gen_ai_token_type) (gen_ai_client_token_usage_sum)')
            by_type = {r["metric"]["gen_ai_token_type"]: float(r["value"][1]) for r in tok}
            self.assertEqual(by_type, {"input": total_in, "output": total_out})
            ttft = self.prometheus_query(prom_url, "sum(gen_ai_client_operation_time_to_first_chunk_seconds_count)")
            self.assertEqual(float(ttft[0]["value"][1]), 3)
        finally:
            prom.terminate()
            prom.wait(10)

        # Clean shutdown flushes the OTLP queue and the store.
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(30), 0)
        traces = self.receiver.decode("/v1/traces", "opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest",
                                      "otlp_trace_service.proto")
        text = "\n".join(traces)
        self.assertEqual(text.count("\n      spans {") + text.count("\n    spans {"), 6, text[:3000])
        self.assertIn('string_value: "agentprof-ci"', text)
        self.assertIn('key: "deployment.environment"', text)
        self.assertIn('key: "gen_ai.usage.input_tokens"\n', text)
        self.assertRegex(text, r'key: "gen_ai.usage.input_tokens"\s+value \{\s+int_value: \d+')
        self.assertRegex(text, r'key: "gen_ai.response.time_to_first_chunk"\s+value \{\s+double_value: 0\.0')
        self.assertRegex(text, r'key: "gen_ai.request.stream"\s+value \{\s+bool_value: true')
        self.assertRegex(text, r'key: "gen_ai.response.finish_reasons"\s+value \{\s+array_value \{')
        headers = [hd for p, hd, _ in self.receiver.requests if p == "/v1/traces"]
        self.assertTrue(all(hd.get("x-tenant") == "ci" for hd in headers))
        metrics = "\n".join(self.receiver.decode("/v1/metrics",
                                                 "opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest",
                                                 "otlp_metrics_service.proto"))
        self.assertIn('name: "gen_ai.client.token.usage"', metrics)
        self.assertIn('name: "gen_ai.client.operation.duration"', metrics)
        self.assertNotIn("sk-test-SECRET", text + metrics)

        # The store has every span, and keeps them across a restart.
        report = subprocess.run([h.AGENTPROF, "report", "--store", self.store, "--by", "provider", "--format", "json"],
                                capture_output=True, text=True)
        self.assertEqual(report.returncode, 0, report.stderr)
        self.assertIn(str(total_in), report.stdout)
        from_jsonl = subprocess.run([h.AGENTPROF, "report", self.jsonl, "--by", "provider", "--format", "json"],
                                    capture_output=True, text=True)
        self.assertEqual(report.stdout, from_jsonl.stdout, "store and JSONL of the same run disagree")
        proc2, _ = self.start_serve(os.getpid())
        proc2.send_signal(signal.SIGTERM)
        self.assertEqual(proc2.wait(30), 0)
        again = subprocess.run([h.AGENTPROF, "report", "--store", self.store, "--by", "provider", "--format", "json"],
                               capture_output=True, text=True)
        self.assertEqual(again.stdout, report.stdout)

    def test_print_config_precedence(self):
        config = os.path.join(self.tmp, "c.yaml")
        with open(config, "w") as f:
            f.write("prometheus:\n  listen: 127.0.0.1:1111\notlp:\n  endpoint: http://file:4318\n  headers:\n"
                    "    authorization: Bearer sk-test-SECRET-otlp\n")
        env = dict(os.environ, OTEL_EXPORTER_OTLP_ENDPOINT="http://env:4318")
        r = subprocess.run([h.AGENTPROF, "serve", "-c", config, "--prometheus", "127.0.0.1:2222", "--print-config"],
                           capture_output=True, text=True, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('listen: "127.0.0.1:2222"', r.stdout)   # flag over file
        self.assertIn("http://env:4318/v1/traces", r.stdout)   # env over file
        self.assertNotIn("sk-test-SECRET", r.stdout)
        bad = os.path.join(self.tmp, "bad.yaml")
        with open(bad, "w") as f:
            f.write("prometheus:\n  listne: x\n")
        r = subprocess.run([h.AGENTPROF, "serve", "-c", bad, "--print-config"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown key 'listne'", r.stderr)


if __name__ == "__main__":
    unittest.main()
