"""A binary replaced on disk while a process runs it (a package upgrade, a self-update: the new file
is renamed over the old one). agentprof must not probe the running process at offsets computed from
the new file: it refuses, says why, and attaches nothing for it — while a process started from the
new file afterwards is analysed and probed normally.

Real BPF, two different builds of the Go TLS client (optimised and not: crypto/tls Read/Write sit at
different offsets), the fake LLM server over TLS. Needs root and `go`; under CI=true a missing `go`
or BPF is a failure, elsewhere a skip that says why."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

import harness as h
from test_go_tls import GO_CLIENT_SRC, build_go_client

CALLS = "openai-chat,anthropic"
GO_TLS_LOCATE = os.path.join(h.BUILD, "userspace", "attach", "go", "go_tls_locate")


def build_unoptimised_client(tmp):
    """The same client without optimisation or inlining: another layout of the same functions."""
    out = os.path.join(tmp, "go_llm_client_noopt")
    env = dict(os.environ, GOCACHE=os.path.join(tmp, "gocache"), GOPATH=os.path.join(tmp, "gopath"),
               GOFLAGS="-mod=mod", CGO_ENABLED="0", GO111MODULE="on")
    subprocess.run(["go", "build", "-gcflags=all=-N -l", "-ldflags=-s -w", "-o", out, "."], cwd=GO_CLIENT_SRC,
                   env=env, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return out


def write_entry(binary):
    """File offset of crypto/tls.(*Conn).Write as go_tls_locate reports it."""
    out = subprocess.run([GO_TLS_LOCATE, binary], stdout=subprocess.PIPE, text=True).stdout
    m = re.search(r"crypto/tls\.\(\*Conn\)\.Write entry=(0x[0-9a-f]+)", out)
    assert m, out
    return int(m.group(1), 16)


class ReplacedBinaryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        h.require_go()
        cls.tmp = tempfile.mkdtemp(prefix="agentprof-replaced-")
        cls.old_build = build_go_client(cls.tmp)
        cls.new_build = build_unoptimised_client(cls.tmp)
        cls.certs = h.make_certs(cls.tmp)
        cls.log_path = os.path.join(cls.tmp, "server.jsonl")
        cls.server = h.FakeServer(cls.certs, log_path=cls.log_path)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        subprocess.run(["chmod", "-R", "u+w", cls.tmp])
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def client_args(self, binary, *extra):
        return [binary, "--base-url", self.server.base, "--cafile", self.certs["ca"], "--api", CALLS] + list(extra)

    def test_running_process_of_a_replaced_binary_is_refused(self):
        # Offsets really differ: probing the old process from the new file would be a guess.
        self.assertNotEqual(write_entry(self.old_build), write_entry(self.new_build))
        path = os.path.join(self.tmp, "agent")
        shutil.copy(self.old_build, path)
        old = subprocess.Popen(self.client_args(path, "--wait-stdin"), stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(old.kill)
        # Popen returns once the exec succeeded; now replace the file the way upgrades do.
        self.assertEqual(os.readlink("/proc/%d/exe" % old.pid), path)
        staged = path + ".new"
        shutil.copy(self.new_build, staged)
        os.rename(staged, path)
        self.assertTrue(os.readlink("/proc/%d/exe" % old.pid).endswith("(deleted)"))

        # A second process will start from the replaced path after agentprof is up (the exec path).
        gate = h.Gate(self.client_args(path, "--delay", "500ms"))
        self.addCleanup(gate.proc.kill)
        jsonl = os.path.join(self.tmp, "replaced.jsonl")
        try:
            ap = h.Agentprof(["--pid", str(old.pid), "--pid", str(gate.pid), "--jsonl", jsonl, "--no-store",
                              "--quiet", "--no-lib-scan"])
        except h.BpfUnavailable as e:
            h.require_bpf(self, e)
        self.addCleanup(ap.stop)
        ready = ap.stderr()
        self.assertIn("agentprof: ready: 0 TLS probes", ready)
        self.assertRegex(ready, r"not probed %s \(pid %d\): the executable of process %d was deleted or replaced"
                         % (re.escape(path), old.pid, old.pid))

        before = len(self.server.log())
        out, err = old.communicate(b"go\n", timeout=120)
        self.assertEqual(old.returncode, 0, err)
        old_calls = self.server.log()[before:]
        self.assertEqual(len(old_calls), 2)

        gate.go()
        rc, out, err = gate.wait(120)
        self.assertEqual(rc, 0, err)
        self.assertEqual(ap.stop(), 0, ap.stderr())
        stderr = ap.stderr()
        new_calls = self.server.log()[before + 2:]
        self.assertEqual(len(new_calls), 2)
        self.assertRegex(stderr, r"probed %s \(pid %d\): \d+ probes, [\d.]+ ms after exec; go crypto/tls"
                         % (re.escape(path), gate.pid))

        spans = h.parse_jsonl(jsonl)
        by_id = {s["attributes"].get("gen_ai.response.id"): s for s in spans}
        for entry in old_calls:  # the refused process: nothing captured, nothing guessed
            self.assertNotIn(entry["response_id"], by_id)
        self.assertEqual(len(spans), 2, stderr)
        for entry in new_calls:  # the new file, analysed on exec: exact
            a = by_id[entry["response_id"]]["attributes"]
            self.assertEqual(a["process.pid"], gate.pid)
            self.assertEqual(a["gen_ai.usage.input_tokens"], entry["input_tokens"])
            self.assertEqual(a["gen_ai.usage.output_tokens"], entry["output_tokens"])
        self.assertIn("missed_call_entry=0", stderr)


if __name__ == "__main__":
    unittest.main()
