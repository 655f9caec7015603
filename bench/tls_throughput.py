#!/usr/bin/python3
"""End-to-end capture throughput: a TLS client writes 64 KiB buffers as fast as it can for a few
seconds while agentprof captures it; reports the rate reached with and without agentprof, and whether
every byte was captured (or exactly how many were counted lost).

    sudo bench/tls_throughput.py [--build build] [--seconds 5] [--size 65536] [--ringbuf-mb 16]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from tls_overhead import start_client, start_tracer, stop_tracer  # noqa: E402


def run(bench, certs, seconds, size, tracer_args=None):
    p, pid = start_client([bench, certs + "/server.pem", certs + "/server.key", "throughput", str(seconds), str(size)])
    t, log = None, None
    if tracer_args is not None:
        log = tempfile.NamedTemporaryFile(delete=False)
        t = subprocess.Popen(tracer_args + ["--pid", str(pid)], stdout=subprocess.DEVNULL, stderr=log)
        import time
        while b"agentprof: ready" not in open(log.name, "rb").read():
            if t.poll() is not None:
                raise RuntimeError(open(log.name).read())
            time.sleep(0.05)
    p.stdin.write("go\n")
    p.stdin.flush()
    out, _ = p.communicate(timeout=seconds + 60)
    m = re.search(r"bytes=(\d+) seconds=([\d.]+) MBps=([\d.]+)", out)
    summary = ""
    if t:
        stop_tracer(t)
        summary = open(log.name).read()
    return int(m.group(1)), float(m.group(3)), summary


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--size", type=int, default=65536)
    ap.add_argument("--ringbuf-mb", type=int, default=16)
    a = ap.parse_args()
    certs = tempfile.mkdtemp()
    subprocess.run(["bash", os.path.join(ROOT, "scripts", "make-test-cert.sh"), certs], check=True,
                   stdout=subprocess.DEVNULL)
    bench = os.path.join(a.build, "bench", "ssl_bench")
    _, base_rate, _ = run(bench, certs, a.seconds, a.size)
    written, rate, summary = run(bench, certs, a.seconds, a.size,
                                 [os.path.join(a.build, "agentprof"), "trace", "--quiet", "--no-lib-scan",
                                  "--ringbuf-mb", str(a.ringbuf_mb)])
    captured = int(re.search(r"captured: \d+ data records, (\d+) bytes", summary).group(1))
    lost = int(re.search(r"ringbuf_full=\d+ records \((\d+) bytes\)", summary).group(1))
    print("client alone: %.0f MB/s; with agentprof (ring buffer %d MiB): %.0f MB/s" % (base_rate, a.ringbuf_mb, rate))
    print("written %d bytes, captured %d, counted lost %d, unaccounted %d" % (
        written, captured, lost, written - captured - lost))


if __name__ == "__main__":
    sys.exit(main())
