#!/usr/bin/python3
"""Added latency per SSL_write / SSL_read with agentprof attached, against the floor of an empty
uprobe+uretprobe pair measured in the same run, and against bcc's sslsniff on the same workload.

    sudo bench/tls_overhead.py [--build build] [--calls 20000] [--size 64] [--rounds 3]

Each configuration runs `rounds` times, interleaved; medians of the per-call medians are reported.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start_client(cmd):
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    m = re.match(r"CLIENT (\d+)", line)
    if not m:
        raise RuntimeError("workload did not start: %r %s" % (line, p.stderr.read()))
    return p, int(m.group(1))


def finish(p):
    p.stdin.write("go\n")
    p.stdin.flush()
    out, err = p.communicate(timeout=600)
    if p.returncode != 0:
        raise RuntimeError("workload failed: %s" % err)
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"(\S+) median_ns=(\d+)", out)}


def start_tracer(cmd, ready_pattern, stream="stderr"):
    log = tempfile.NamedTemporaryFile(delete=False)
    p = subprocess.Popen(cmd, stdout=log if stream == "stdout" else subprocess.DEVNULL,
                         stderr=log if stream == "stderr" else subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline:
        with open(log.name, errors="replace") as f:
            if re.search(ready_pattern, f.read()):
                return p
        if p.poll() is not None:
            with open(log.name, errors="replace") as f:
                raise RuntimeError("tracer exited: %s" % f.read())
        time.sleep(0.1)
    p.kill()
    raise RuntimeError("tracer not ready: %s" % cmd)


def stop_tracer(p):
    p.send_signal(2)
    try:
        p.wait(30)
    except subprocess.TimeoutExpired:
        p.kill()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--calls", type=int, default=20000)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-sslsniff", action="store_true")
    a = ap.parse_args()
    bench = os.path.join(a.build, "bench", "ssl_bench")
    agentprof = os.path.join(a.build, "agentprof")
    certs = tempfile.mkdtemp()
    subprocess.run(["bash", os.path.join(ROOT, "scripts", "make-test-cert.sh"), certs], check=True,
                   stdout=subprocess.DEVNULL)
    workload = [bench, os.path.join(certs, "server.pem"), os.path.join(certs, "server.key"),
                "latency", str(a.calls), str(a.size)]

    # The server side (parent) gets a private copy of the TLS libraries, so only the client's
    # calls hit probes on the system library.
    privlib = tempfile.mkdtemp()
    ldd = subprocess.run(["ldd", bench], capture_output=True, text=True).stdout
    for m in re.finditer(r"(libssl\.so\S*|libcrypto\.so\S*) => (\S+)", ldd):
        subprocess.run(["cp", m.group(2), os.path.join(privlib, m.group(1))], check=True)
    os.environ["LD_LIBRARY_PATH"] = privlib
    system_libssl = re.search(r"libssl\.so\S* => (\S+)", ldd).group(1)

    results = {}
    sslsniff_error = None

    def record(name, values):
        for k, v in values.items():
            results.setdefault((name, k), []).append(v)

    for _ in range(a.rounds):
        # Floor: an empty uprobe+uretprobe pair on a trivial function, same machine, same run.
        p, pid = start_client([bench, "trivial", str(a.calls * 5)])
        record("plain", finish(p))
        t = start_tracer([os.path.join(a.build, "bench", "bench_empty_probe"), bench, "agentprof_bench_trivial"],
                         "ready")
        p, pid = start_client([bench, "trivial", str(a.calls * 5)])
        record("empty_probe", finish(p))
        stop_tracer(t)

        p, pid = start_client(workload)
        record("baseline", finish(p))

        # Second floor: an empty pair on the exported SSL_write/SSL_read themselves. Debian's builds
        # begin them with `sub rsp, N`, which the kernel single-steps out of line; agentprof places
        # its probes on the wrappers' call into the implementation instead (emulated instructions),
        # see userspace/attach/probe_placement.h.
        t = start_tracer([os.path.join(a.build, "bench", "bench_empty_probe"), system_libssl,
                          "SSL_write", "SSL_read"], "ready")
        p, pid = start_client(workload)
        record("empty_ssl", finish(p))
        stop_tracer(t)

        p, pid = start_client(workload)
        t = start_tracer([agentprof, "trace", "--pid", str(pid), "--quiet", "--no-lib-scan"],
                         "agentprof: ready")
        record("agentprof", finish(p))
        stop_tracer(t)

        if not a.no_sslsniff and sslsniff_error is None:
            p, pid = start_client(workload)
            try:
                t = start_tracer(["sslsniff-bpfcc", "-p", str(pid)], r"FUNC|COMM", stream="stdout")
            except RuntimeError as e:
                sslsniff_error = str(e).strip().splitlines()[-1]
                p.kill()
            else:
                record("sslsniff", finish(p))
                stop_tracer(t)

    med = {k: statistics.median(v) for k, v in results.items()}
    floor = med[("empty_probe", "trivial")] - med[("plain", "trivial")]
    print("workload: %d round trips of %d-byte SSL_write + SSL_read, %d rounds" % (a.calls, a.size, a.rounds))
    print("floor A, empty uprobe+uretprobe on a trivial function: %.2f us per hit" % (floor / 1000))
    for call in ("SSL_write", "SSL_read"):
        base = med[("baseline", call)]
        floor_b = med[("empty_ssl", call)] - base
        line = "%-9s baseline %.2f us | floor B (empty pair on %s) +%.2f us" % (call, base / 1000, call, floor_b / 1000)
        for tracer in ("agentprof", "sslsniff"):
            if (tracer, call) in med:
                added = med[(tracer, call)] - base
                line += " | %s +%.2f us (%.2fx A, %.2fx B)" % (
                    tracer, added / 1000, added / floor if floor > 0 else 0, added / floor_b if floor_b > 0 else 0)
        print(line)
    if sslsniff_error:
        print("sslsniff: could not run here: %s" % sslsniff_error)


if __name__ == "__main__":
    sys.exit(main())
