#!/usr/bin/python3
"""How long a newly exec'd program runs before agentprof's TLS probes are on it, for a Claude Code
binary and a stripped Go client whose analysis is already cached — and how that compares with when
each program sends its first LLM request.

    sudo bench/exec_attach_latency.py [--build build] [--runs 15] [--claude PATH] [--go PATH]
                                      [--hold] [--only go|claude]

Each run: a gate process (in scope through --pid) execs the program after `agentprof trace` is ready;
agentprof reports "probed PATH (pid N): K probes, X ms after exec", X measured from the kernel's
exec event (sched_process_exec timestamp) to the last probe attached. The program talks to the fake
LLM server over TLS; the server's log gives when its first request arrived (relative to the moment the
gate was released, which precedes the exec by well under a millisecond), and agentprof's JSONL shows
whether that first call was captured. The Go client makes its first call at once (no --delay), the
worst case for the exec race.

--hold adds, interleaved with the plain runs, runs under `trace --hold-new-executables`: the kernel
stops the program at exec until its probes are on. Those report the first-call capture rate with the
hold, how long the program was held (agentprof's summary, exec event to SIGCONT) and how much later
its first request went out than without the hold (the median of exec -> first request, compared).
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import harness as h  # noqa: E402

PROBED = re.compile(r"agentprof: probed (\S+) \(pid (\d+)\): (\d+) probes, ([\d.]+) ms after exec; (.*)")
HELD = re.compile(r"exec hold: held=(\d+) .* held_ms median=([\d.]+) max=([\d.]+)")


def build_go_client(tmp):
    out = os.path.join(tmp, "go_llm_client")
    env = dict(os.environ, GOCACHE=os.path.join(tmp, "gocache"), GOPATH=os.path.join(tmp, "gopath"),
               GOFLAGS="-mod=mod", CGO_ENABLED="0", GO111MODULE="on")
    subprocess.run(["go", "build", "-ldflags=-s -w", "-o", out, "."],
                   cwd=os.path.join(ROOT, "tests", "integration", "go_client"), env=env, check=True)
    return out


def one_run(argv, env, server, tmp, n, hold=False):
    jsonl = os.path.join(tmp, "run-%d-%d.jsonl" % (n, hold))
    before = len(server.log())
    gate = h.Gate(argv, env=env)
    ap = h.Agentprof(["--pid", str(gate.pid), "--jsonl", jsonl, "--no-store", "--quiet", "--no-lib-scan"] +
                     (["--hold-new-executables"] if hold else []))
    released = time.time_ns()
    gate.go()
    rc, out, err = gate.wait(180)
    ap.stop()
    if rc != 0:
        raise RuntimeError("program failed: %s" % err[-2000:])
    m = PROBED.search(ap.stderr())
    if not m:
        raise RuntimeError("no 'probed' line:\n%s" % ap.stderr())
    calls = [e for e in server.log()[before:] if e["path"].startswith("/v1/")]
    first = min(calls, key=lambda e: e["request_done_unix_ns"])
    spans = {s["attributes"].get("gen_ai.response.id") for s in h.parse_jsonl(jsonl)} if os.path.exists(jsonl) else set()
    held = HELD.search(ap.stderr())
    if hold and not held:
        raise RuntimeError("no exec hold summary:\n%s" % ap.stderr())
    return {
        "held_ms": float(held.group(3)) if held and int(held.group(1)) else None,
        "attach_ms": float(m.group(4)),
        "how": m.group(5),
        "first_request_ms": (first["request_done_unix_ns"] - released) / 1e6,
        "first_captured": first["response_id"] in spans,
        "calls": len(calls),
        "captured": sum(1 for e in calls if e["response_id"] in spans),
    }


def summarise(name, runs, plain=None):
    att = [r["attach_ms"] for r in runs]
    first = [r["first_request_ms"] for r in runs]
    print("%s (%d runs; %s)" % (name, len(runs), runs[-1]["how"]))
    held = [r["held_ms"] for r in runs if r["held_ms"] is not None]
    if held:
        print("  held at exec in %d/%d runs: median %.1f ms, min %.1f, max %.1f" % (
            len(held), len(runs), statistics.median(held), min(held), max(held)))
    print("  exec -> probes attached: median %.1f ms, min %.1f, max %.1f" % (
        statistics.median(att), min(att), max(att)))
    print("  exec -> first request fully sent: median %.1f ms, min %.1f, max %.1f" % (
        statistics.median(first), min(first), max(first)))
    print("  first call captured in %d/%d runs; calls captured %d/%d" % (
        sum(r["first_captured"] for r in runs), len(runs), sum(r["captured"] for r in runs),
        sum(r["calls"] for r in runs)))
    if plain:
        print("  first request later than without the hold by %.1f ms (median against median)" % (
            statistics.median(first) - statistics.median(r["first_request_ms"] for r in plain)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--claude", default=os.path.join(ROOT, "tests", "integration", "agents", "node_modules",
                                                      "claude-code-2.1.330", "claude"))
    ap.add_argument("--go", help="a stripped Go client (built from tests/integration/go_client when absent)")
    ap.add_argument("--hold", action="store_true", help="also run under --hold-new-executables (interleaved)")
    ap.add_argument("--only", choices=("go", "claude"), help="measure one program only")
    a = ap.parse_args()
    h.AGENTPROF = os.path.join(a.build, "agentprof")
    tmp = tempfile.mkdtemp(prefix="agentprof-exec-bench-")
    try:
        certs = h.make_certs(tmp)
        server = h.FakeServer(certs, extra=["--no-tool-calls"], log_path=os.path.join(tmp, "server.jsonl"))
        go = a.go or build_go_client(tmp)
        claude_env = dict(os.environ, HOME=tmp, ANTHROPIC_BASE_URL=server.base, ANTHROPIC_API_KEY="sk-bench",
                          NODE_EXTRA_CA_CERTS=certs["ca"], DISABLE_AUTOUPDATER="1",
                          CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1")
        programs = [
            ("Claude Code %s" % os.path.basename(os.path.dirname(a.claude)), [a.claude, "-p", "say hello"], claude_env),
            ("Go client (stripped)", [go, "--base-url", server.base, "--cafile", certs["ca"], "--api",
                                      "anthropic:stream"], None),
        ]
        if a.only:
            programs = [p for p in programs if p[0].lower().startswith(a.only)]
        for name, argv, env in programs:
            one_run(argv, env, server, tmp, -1)  # fills the analysis cache; not counted
            runs, held = [], []
            for i in range(a.runs):
                runs.append(one_run(argv, env, server, tmp, i))
                if a.hold:
                    held.append(one_run(argv, env, server, tmp, i, hold=True))
            summarise(name, runs)
            if a.hold:
                summarise(name + ", --hold-new-executables", held, plain=runs)
        server.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
