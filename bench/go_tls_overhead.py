#!/usr/bin/python3
"""Added latency per Go crypto/tls.(*Conn).Write and Read call with `agentprof trace --pid` attached,
against the same stripped Go client without agentprof (bench/go_tls_workload, built here with
Debian's golang-go).

    sudo bench/go_tls_overhead.py [--build build] [--calls 20000] [--size 64] [--rounds 5]
                                  [--compare OTHER_AGENTPROF]

Rounds interleave the configurations; medians of the per-call medians are reported. --compare adds
a second agentprof binary (e.g. a build of an earlier commit) as one more configuration.
"""
import argparse
import os
import re
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tls_overhead import finish, start_client, start_tracer, stop_tracer  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKLOAD_SRC = os.path.join(ROOT, "bench", "go_tls_workload")


def build_workload(tmp):
    out = os.path.join(tmp, "go_tls_workload")
    env = dict(os.environ, GOCACHE=os.path.join(tmp, "gocache"), GOPATH=os.path.join(tmp, "gopath"),
               GOFLAGS="-mod=mod", CGO_ENABLED="0", GO111MODULE="on")
    subprocess.run(["go", "build", "-ldflags=-s -w", "-o", out, "."], cwd=WORKLOAD_SRC, env=env, check=True)
    return out


class Servers:
    """Two TLS listeners on 127.0.0.1: `sink` reads and discards, `source` sends 16 KiB records
    until the client goes away. One connection each per workload run."""

    def __init__(self, certs):
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(os.path.join(certs, "server.pem"), os.path.join(certs, "server.key"))
        self.sink = self.listen(self.discard)
        self.source = self.listen(self.fill)

    def listen(self, handler):
        listener = socket.create_server(("127.0.0.1", 0))

        def accept_loop():
            while True:
                raw, _ = listener.accept()
                threading.Thread(target=self.run, args=(raw, handler), daemon=True).start()
        threading.Thread(target=accept_loop, daemon=True).start()
        return "127.0.0.1:%d" % listener.getsockname()[1]

    def run(self, raw, handler):
        try:
            with self.context.wrap_socket(raw, server_side=True) as conn:
                handler(conn)
        except (OSError, ssl.SSLError):
            pass  # the client finished and closed

    @staticmethod
    def discard(conn):
        while conn.recv(65536):
            pass

    @staticmethod
    def fill(conn):
        block = b"x" * 16384
        while True:
            conn.sendall(block)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--calls", type=int, default=20000)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--compare", help="another agentprof binary to measure the same way")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="agentprof-gobench-")
    subprocess.run(["bash", os.path.join(ROOT, "scripts", "make-test-cert.sh"), tmp], check=True,
                   stdout=subprocess.DEVNULL)
    client = build_workload(tmp)
    servers = Servers(tmp)
    workload = [client, "--sink", servers.sink, "--source", servers.source, "--cafile",
                os.path.join(tmp, "ca.pem"), "--calls", str(a.calls), "--size", str(a.size)]
    tracers = {"agentprof": os.path.join(a.build, "agentprof")}
    if a.compare:
        tracers["compared"] = a.compare
    results = {}

    def record(name, values):
        for k, v in values.items():
            results.setdefault((name, k), []).append(v)

    for _ in range(a.rounds):
        p, _ = start_client(workload)
        record("baseline", finish(p))
        for name, binary in tracers.items():
            p, pid = start_client(workload)
            t = start_tracer([binary, "trace", "--pid", str(pid), "--quiet", "--no-lib-scan"], "agentprof: ready")
            record(name, finish(p))
            stop_tracer(t)

    med = {k: statistics.median(v) for k, v in results.items()}
    print("workload: %d Conn.Write of %d bytes, then %d Conn.Read of %d bytes (stripped Go client), %d rounds"
          % (a.calls, a.size, a.calls, a.size, a.rounds))
    for call in ("Conn.Write", "Conn.Read"):
        base = med[("baseline", call)]
        line = "%-10s baseline %.2f us" % (call, base / 1000)
        for name in tracers:
            line += " | %s +%.2f us" % (name if name == "agentprof" else a.compare, (med[(name, call)] - base) / 1000)
        print(line)


if __name__ == "__main__":
    sys.exit(main())
