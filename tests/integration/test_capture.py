"""Issue 2's capture guarantees, with real BPF and real clients: exact plaintext, attributed to the
right process and connection, in order, for curl, Python urllib, Node https and fetch, large bodies,
parallel connections, the exec and scan attach paths and the plaintext socket path."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

PARALLEL_CLIENT = r'''
import http.client, ssl, sys, threading
port, tag, threads, cafile = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
ctx = ssl.create_default_context(cafile=cafile)
errors = []
def run(t):
    try:
        c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx)
        for n in range(3):
            body = (f"<{tag}-t{t}-r{n}>" * 400).encode()
            c.request("POST", "/echo", body=body, headers={"Content-Type": "application/octet-stream"})
            r = c.getresponse()
            if r.read() != body:
                errors.append(f"echo mismatch {t} {n}")
        c.close()
    except Exception as e:
        errors.append(repr(e))
ts = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
[t.start() for t in ts]
[t.join() for t in ts]
print("errors", errors)
sys.exit(1 if errors else 0)
'''

DLOPEN_CLIENT = r'''
import shutil, sys, os, ctypes
# A private copy of libssl (new inode, outside the library directories) is loaded only after the
# go line, like a plugin: agentprof must notice the executable mapping and attach before SSL_write.
libdir, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sys.stdin.readline()
os.environ["LD_LIBRARY_PATH"] = libdir
import ssl, urllib.request  # _ssl links libssl.so.3, resolved now
import time
# Probes are attached asynchronously after the mapping is seen (5-25 ms, more on a loaded machine):
# this test is about finding the new library; not missing even the first call needs
# --hold-new-executables (test_exec_hold.py).
time.sleep(1.0)
ctx = ssl.create_default_context(cafile=cafile)
body = b"dlopen-path-body-" * 10
r = urllib.request.urlopen(urllib.request.Request(f"https://127.0.0.1:{port}/echo", data=body), context=ctx)
assert r.read() == body
'''

WAITING_CLIENT = r'''
import ssl, sys, urllib.request
port, cafile = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=cafile)   # libssl mapped before agentprof starts
sys.stdin.readline()
body = b"scan-path-body-" * 10
r = urllib.request.urlopen(urllib.request.Request(f"https://127.0.0.1:{port}/echo", data=body), context=ctx)
assert r.read() == body
'''


class CaptureTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="agentprof-capture-")
        cls.certs = h.make_certs(cls.tmp)
        cls.server = h.FakeServer(cls.certs)
        cls.node_env = dict(os.environ, NODE_EXTRA_CA_CERTS=cls.certs["ca"])

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def trace(self, gate_argv, extra_args=(), env=None):
        """Runs gate_argv behind a gate under `agentprof trace --pid gate --raw-file`, returns
        (client rc, client stdout, parsed raw streams, agentprof stderr)."""
        raw = os.path.join(self.tmp, "raw-%s.out" % self.id().split(".")[-1])
        gate = h.Gate(gate_argv, env=env)
        try:
            ap = h.Agentprof(["--pid", str(gate.pid), "--raw-file", raw, "--quiet"] + list(extra_args))
        except h.BpfUnavailable as e:
            gate.proc.kill()
            h.require_bpf(self, e)
        gate.go()
        rc, out, err = gate.wait()
        self.assertEqual(ap.stop(), 0, ap.stderr())
        streams, gaps, closes, meta = h.parse_raw(raw)
        self.assertEqual(rc, 0, "client failed: %s %s" % (out, err))
        return gate.pid, streams, gaps, ap.stderr(), meta

    def assert_echo_exchanges(self, conn, bodies):
        reqs = h.split_http_messages(conn["egress"])
        resps = h.split_http_messages(conn["ingress"])
        self.assertEqual([b for _, b in reqs], bodies)
        self.assertEqual([b for _, b in resps], bodies)
        for head, _ in reqs:
            self.assertTrue(head.startswith(b"POST /echo HTTP/1.1\r\n"), head[:60])
        for head, _ in resps:
            self.assertTrue(head.startswith(b"HTTP/1.1 200"), head[:60])

    def test_curl_exact_plaintext(self):
        body = b'{"hello":"curl","n":12345}'
        pid, streams, gaps, err, meta = self.trace(
            ["curl", "-s", "--cacert", self.certs["ca"], "-H", "Authorization: Bearer sk-test-SECRET-curl",
             "-H", "Content-Type: application/json", "--data-binary", body.decode(), self.server.base + "/echo"])
        conns = h.connections_of(streams, pid)
        self.assertEqual(len(conns), 1, conns.keys())
        conn = next(iter(conns.values()))
        self.assert_echo_exchanges(conn, [body])
        self.assertIn(b"Host: 127.0.0.1:%d\r\n" % self.server.port, conn["egress"])
        self.assertEqual(gaps, [])
        m = next(v for k, v in meta.items() if k[0] == pid)
        self.assertEqual(m["comm"], "curl")
        self.assertEqual(m["remote"], "127.0.0.1:%d" % self.server.port)
        self.assertTrue(m["conn"].startswith("tls:"))

    def test_python_urllib_ex_functions(self):
        pid, streams, gaps, err, _ = self.trace(
            [h.PYTHON, os.path.join(h.CLIENTS, "python_urllib_client.py"), "--base-url", self.server.base,
             "--cafile", self.certs["ca"], "--api", "echo", "--size", "3000", "--count", "3",
             "--connections", "1"])
        conns = h.connections_of(streams, pid)
        self.assertEqual(len(conns), 1, "keep-alive: one connection expected, got %s" % list(conns))
        self.assert_echo_exchanges(next(iter(conns.values())), [h.blob_pattern(0, 3000)] * 3)
        self.assertEqual(gaps, [])
        # Debian's libssl is probed at the wrappers' calls into the implementation: every return of
        # the implementation matched its call.
        self.assertIn("tls_calls_via_unprobed_path=0", err)
        self.assertIn("missed_call_entry=0", err)

    def _node(self, client):
        pid, streams, gaps, err, _ = self.trace(
            [h.NODE, os.path.join(h.CLIENTS, client), "--base-url", self.server.base, "--api", "echo",
             "--size", "5000", "--count", "2", "--connections", "1"], env=self.node_env)
        conns = h.connections_of(streams, pid)
        bodies = []
        for conn in conns.values():
            bodies += [b for _, b in h.split_http_messages(conn["egress"])]
            self.assert_echo_exchanges(conn, [b for _, b in h.split_http_messages(conn["egress"])])
        self.assertEqual(bodies, [h.blob_pattern(0, 5000)] * 2)
        self.assertEqual(gaps, [])

    def test_node_https(self):
        self._node("node_https_client.mjs")

    def test_node_fetch(self):
        self._node("node_fetch_client.mjs")

    def test_4mib_request_and_response(self):
        size = 4 << 20
        pid, streams, gaps, err, _ = self.trace(
            [h.PYTHON, os.path.join(h.CLIENTS, "python_urllib_client.py"), "--base-url", self.server.base,
             "--cafile", self.certs["ca"], "--api", "echo", "--size", str(size), "--count", "1"])
        conns = h.connections_of(streams, pid)
        self.assertEqual(len(conns), 1)
        self.assert_echo_exchanges(next(iter(conns.values())), [h.blob_pattern(0, size)])
        self.assertEqual(gaps, [])

    def test_4mib_blob_download(self):
        size = 4 << 20
        pid, streams, gaps, err, _ = self.trace(
            ["curl", "-s", "-o", "/dev/null", "--cacert", self.certs["ca"], self.server.base + "/blob?size=%d" % size])
        conn = next(iter(h.connections_of(streams, pid).values()))
        resp = h.split_http_messages(conn["ingress"])
        self.assertEqual(len(resp), 1)
        self.assertEqual(resp[0][1], h.blob_pattern(0, size))

    def test_20_parallel_connections_from_4_processes(self):
        script = os.path.join(self.tmp, "parallel_client.py")
        with open(script, "w") as f:
            f.write(PARALLEL_CLIENT)
        procs = " & ".join("%s %s %d p%d 5 %s" % (h.PYTHON, script, self.server.port, i, self.certs["ca"])
                           for i in range(4))
        pid, streams, gaps, err, meta = self.trace(["/bin/sh", "-c", procs + " & wait"])
        by_conn = {}
        for (p, conn, direction), data in streams.items():
            by_conn.setdefault((p, conn), {"egress": b"", "ingress": b""})[direction] = bytes(data)
        self.assertEqual(len(by_conn), 20, sorted(by_conn))
        pids = {p for p, _ in by_conn}
        self.assertEqual(len(pids), 4)
        seen_tags = set()
        for (p, conn), c in by_conn.items():
            bodies = [b for _, b in h.split_http_messages(c["egress"])]
            self.assertEqual(len(bodies), 3)
            tag = bodies[0][1:bodies[0].index(b"-r")]
            for n, body in enumerate(bodies):
                self.assertEqual(body, (b"<%s-r%d>" % (tag, n)) * 400, "connection %s mixed" % conn)
            self.assert_echo_exchanges(c, bodies)
            seen_tags.add(tag)
        self.assertEqual(len(seen_tags), 20)
        self.assertEqual(gaps, [])

    def test_scan_path_process_running_before_attach(self):
        raw = os.path.join(self.tmp, "raw-scan.out")
        client = subprocess.Popen([h.PYTHON, "-c", WAITING_CLIENT, str(self.server.port), self.certs["ca"]],
                                  stdin=subprocess.PIPE)
        try:
            import time
            time.sleep(0.5)  # the client has loaded libssl and is waiting
            try:
                ap = h.Agentprof(["--pid", str(client.pid), "--raw-file", raw, "--quiet", "--no-lib-scan"])
            except h.BpfUnavailable as e:
                h.require_bpf(self, e)
            client.stdin.write(b"go\n")
            client.stdin.flush()
            self.assertEqual(client.wait(60), 0)
            self.assertEqual(ap.stop(), 0)
        finally:
            client.kill()
        streams, gaps, _, _ = h.parse_raw(raw)
        conns = h.connections_of(streams, client.pid)
        self.assertEqual(len(conns), 1)
        self.assert_echo_exchanges(next(iter(conns.values())), [b"scan-path-body-" * 10])

    def test_dlopen_of_private_library_after_attach(self):
        """A TLS library never seen before, loaded after agentprof is ready (the mmap path)."""
        libdir = os.path.join(self.tmp, "privlib")
        os.makedirs(libdir, exist_ok=True)
        out = subprocess.run(["ldd", "/usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so"],
                             capture_output=True, text=True).stdout
        for m in re.finditer(r"(libssl\.so\S*|libcrypto\.so\S*) => (\S+)", out):
            subprocess.run(["cp", m.group(2), os.path.join(libdir, m.group(1))], check=True)
        raw = os.path.join(self.tmp, "raw-dlopen.out")
        # LD_LIBRARY_PATH must be set before python starts for ld.so to honour it on dlopen.
        env = dict(os.environ, LD_LIBRARY_PATH=libdir)
        client = subprocess.Popen([h.PYTHON, "-c", DLOPEN_CLIENT, libdir, str(self.server.port), self.certs["ca"]],
                                  stdin=subprocess.PIPE, env=env)
        try:
            try:
                ap = h.Agentprof(["--pid", str(client.pid), "--raw-file", raw, "--quiet", "--no-lib-scan"])
            except h.BpfUnavailable as e:
                h.require_bpf(self, e)
            client.stdin.write(b"go\n")
            client.stdin.flush()
            self.assertEqual(client.wait(60), 0)
            self.assertEqual(ap.stop(), 0)
        finally:
            client.kill()
        streams, gaps, _, _ = h.parse_raw(raw)
        conns = h.connections_of(streams, client.pid)
        self.assertEqual(len(conns), 1, ap.stderr())
        self.assert_echo_exchanges(next(iter(conns.values())), [b"dlopen-path-body-" * 10])

    def test_process_in_its_own_mount_namespace_and_root(self):
        """A container-style workload: its own mount and pid namespaces and a root directory holding
        private copies of sh, curl and their libraries. The library paths it maps name files that
        exist only under /proc/PID/root (the host's libssl at the same path is another file); the
        container's root is scanned when its first process (sh) appears, so curl, started later,
        finds its libssl already probed."""
        root = os.path.join(self.tmp, "container-root")
        shutil.rmtree(root, ignore_errors=True)
        programs = [shutil.which(p) for p in ("sh", "sleep", "curl")]
        files = programs + [self.certs["ca"]]
        for prog in programs:
            ldd = subprocess.run(["ldd", prog], capture_output=True, text=True, check=True).stdout
            files += re.findall(r"(/\S+) \(0x", ldd)
        for f in files:
            dest = os.path.join(root, f.lstrip("/"))
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copy2(os.path.realpath(f), dest)
        os.makedirs(os.path.join(root, "proc"), exist_ok=True)
        body = b'{"hello":"container"}'
        script = 'sleep 1; exec %s -s --cacert %s --data-binary \'%s\' %s/echo' % (
            programs[2], self.certs["ca"], body.decode(), self.server.base)
        gate_pid, streams, gaps, err, meta = self.trace(
            ["unshare", "--mount", "--pid", "--fork", "--root", root, "--mount-proc=/proc", programs[0], "-c", script])
        pids = {key[0] for key in streams}
        self.assertEqual(len(pids), 1, err)
        pid = pids.pop()  # curl's pid as the host sees it (unshare forked it)
        self.assertNotEqual(pid, gate_pid)
        conns = h.connections_of(streams, pid)
        self.assertEqual(len(conns), 1, err)
        self.assert_echo_exchanges(next(iter(conns.values())), [body])
        m = next(v for k, v in meta.items() if k[0] == pid)
        self.assertEqual(m["comm"], "curl")
        self.assertEqual(m["remote"], "127.0.0.1:%d" % self.server.port)
        self.assertEqual(gaps, [])

    def test_ssl_objects_freed_and_reused(self):
        """Five sequential connections: freed SSL objects are often reallocated at the same address;
        each connection must still be its own stream with exactly its own exchange."""
        pid, streams, gaps, err, _ = self.trace(
            [h.PYTHON, os.path.join(h.CLIENTS, "python_urllib_client.py"), "--base-url", self.server.base,
             "--cafile", self.certs["ca"], "--api", "echo", "--size", "700", "--count", "5",
             "--connections", "0"])
        conns = h.connections_of(streams, pid)
        self.assertEqual(len(conns), 5, list(conns))
        for conn in conns.values():
            self.assert_echo_exchanges(conn, [h.blob_pattern(0, 700)])
        ids = {c.split(":")[1] for c in conns}
        self.assertLessEqual(len(ids), 5)  # addresses may repeat; generations keep them apart

    def test_process_killed_mid_transfer(self):
        """A client killed while receiving a large body: its connection ends with the process,
        agentprof keeps running and exits cleanly."""
        raw = os.path.join(self.tmp, "raw-killed.out")
        gate = h.Gate(["curl", "-s", "-o", "/dev/null", "--limit-rate", "2M", "--cacert", self.certs["ca"],
                       self.server.base + "/blob?size=%d" % (64 << 20)])
        try:
            ap = h.Agentprof(["--pid", str(gate.pid), "--raw-file", raw, "--quiet"])
        except h.BpfUnavailable as e:
            gate.proc.kill()
            h.require_bpf(self, e)
        gate.go()
        import time
        time.sleep(1.5)
        gate.proc.kill()
        gate.proc.wait(10)
        time.sleep(0.5)
        self.assertIsNone(ap.proc.poll(), "agentprof died with the client")
        self.assertEqual(ap.stop(), 0)
        streams, gaps, closes, _ = h.parse_raw(raw)
        conns = h.connections_of(streams, gate.pid)
        self.assertEqual(len(conns), 1)
        received = next(iter(conns.values()))["ingress"]
        self.assertGreater(len(received), 1 << 20)
        head_end = received.index(b"\r\n\r\n") + 4
        body = received[head_end:]
        self.assertEqual(body, h.blob_pattern(0, len(body)))  # what arrived is exact, in order
        reasons = {c["reason"] for c in closes if int(c["pid"]) == gate.pid}
        self.assertEqual(reasons, {"process_exited"})

    def test_plaintext_socket_path(self):
        server = h.FakeServer(None)
        try:
            pid, streams, gaps, err, meta = self.trace(
                [h.PYTHON, os.path.join(h.CLIENTS, "python_urllib_client.py"), "--base-url", server.base,
                 "--api", "echo", "--size", "2000", "--count", "2", "--connections", "1"],
                extra_args=["--port", str(server.port)])
        finally:
            server.stop()
        conns = h.connections_of(streams, pid)
        self.assertEqual(len(conns), 1, list(conns))
        conn_name, conn = next(iter(conns.items()))
        self.assertTrue(conn_name.startswith("sock:"), conn_name)
        self.assert_echo_exchanges(conn, [h.blob_pattern(0, 2000)] * 2)
        m = next(v for k, v in meta.items() if k[0] == pid)
        self.assertEqual(m["remote"], "127.0.0.1:%d" % server.port)

    def test_full_ring_buffer_loss_is_counted_exactly(self):
        """A client writing 64 KiB TLS buffers flat out into a 1 MiB ring buffer: whatever is not
        captured is counted, byte for byte, and the streams show the holes as gaps."""
        bench = os.path.join(h.BUILD, "bench", "ssl_bench")
        gate = subprocess.Popen([bench, self.certs["cert"], self.certs["key"], "throughput", "3", "65536"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        client_pid = int(gate.stdout.readline().split()[1])
        try:
            ap = h.Agentprof(["--pid", str(client_pid), "--quiet", "--ringbuf-mb", "1", "--no-lib-scan",
                              "--raw-file", "/dev/null"])
        except h.BpfUnavailable as e:
            gate.kill()
            h.require_bpf(self, e)
        gate.stdin.write("go\n")
        gate.stdin.flush()
        out = gate.communicate(timeout=60)[0]
        self.assertEqual(gate.returncode, 0)
        self.assertEqual(ap.stop(), 0)
        written = int(re.search(r"bytes=(\d+)", out).group(1))
        s = h.capture_summary(ap.stderr())
        self.assertGreater(s["ringbuf_full_bytes"], 0, "1 MiB ring buffer should overflow: %s" % ap.stderr())
        self.assertEqual(s["data_bytes"] + s["ringbuf_full_bytes"] + s["read_failed_bytes"]
                         + s["truncated_bytes"], written, ap.stderr())
        # Holes followed by later data are declared as gaps; only a loss at the very end can be
        # invisible to the stream stage, and it is at most what the kernel counted.
        self.assertGreater(s["gap_bytes"], 0)
        self.assertLessEqual(s["gap_bytes"], s["ringbuf_full_bytes"] + s["read_failed_bytes"])

    def _two_clients(self, extra_args, setup=None, after_ready=None):
        """A curl and a Python client behind one gate; returns {comm: [streams to our server]}."""
        raw = os.path.join(self.tmp, "raw-%s.out" % self.id().split(".")[-1])
        script = ("%s %s --base-url %s --cafile %s --api echo --size 100 --count 1 & "
                  "curl -s -o /dev/null --cacert %s --data-binary comm-filter %s/echo; wait") % (
            h.PYTHON, os.path.join(h.CLIENTS, "python_urllib_client.py"), self.server.base,
            self.certs["ca"], self.certs["ca"], self.server.base)
        gate = h.Gate(["/bin/sh", "-c", script])
        if setup:
            setup(gate.pid)
        try:
            ap = h.Agentprof(["--raw-file", raw, "--quiet"] + extra_args(gate.pid))
        except h.BpfUnavailable as e:
            gate.proc.kill()
            h.require_bpf(self, e)
        if after_ready:
            after_ready()
        gate.go()
        self.assertEqual(gate.wait()[0], 0)
        self.assertEqual(ap.stop(), 0)
        streams, _, _, meta = h.parse_raw(raw)
        ours = {}
        host = b"Host: 127.0.0.1:%d" % self.server.port
        for key, data in streams.items():
            if key[2] == "egress" and host in data:
                ours.setdefault(meta[key]["comm"], []).append(key)
        return ours

    def test_comm_filter(self):
        ours = self._two_clients(lambda pid: ["--comm", "curl"])
        self.assertIn("curl", ours)
        self.assertEqual(set(ours), {"curl"}, ours)

    def test_cgroup_filter(self):
        cg = h.make_cgroup(self, "agentprof-test-%d" % os.getpid())
        ours = self._two_clients(lambda pid: ["--cgroup", cg], setup=lambda pid: h.enter_cgroup(cg, pid))
        self.assertEqual(set(ours), {"curl", "python3"}, ours)

    def test_out_of_scope_process_not_captured(self):
        # --pid of the gate only: a client started outside it must not appear.
        other = subprocess.Popen(["/bin/sh", "-c", "read _; exec curl -s -o /dev/null --cacert %s %s/blob?size=77"
                                  % (self.certs["ca"], self.server.base)], stdin=subprocess.PIPE)
        def release_other():
            other.stdin.write(b"go\n")
            other.stdin.flush()
            self.assertEqual(other.wait(30), 0)  # done while agentprof runs
        ours = self._two_clients(lambda pid: ["--pid", str(pid)], after_ready=release_other)
        self.assertEqual(set(ours), {"curl", "python3"})
        self.assertEqual(len(ours["curl"]), 1)

    def test_unprivileged_load_fails_clearly(self):
        r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", h.AGENTPROF,
                            "trace", "--pid", "1", "--duration", "1"], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn("cannot load BPF programs", r.stderr)


if __name__ == "__main__":
    unittest.main()
