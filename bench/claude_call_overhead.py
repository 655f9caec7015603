#!/usr/bin/python3
"""Added latency per Claude Code LLM call with `agentprof trace` attached, as a fraction of the call's
duration (target: at most 1%), measured three ways on the real Claude Code CLI.

    sudo bench/claude_call_overhead.py [--build build] [--rounds 30] [--turns 6]
         [--ttft-ms 500] [--chunks 40] [--chunk-delay-ms 20] [--claude PATH]

Workload: `claude -p "say hello" --max-turns T` against the project's fake Anthropic server over TLS.
The server answers every call with a streamed tool call (first event after --ttft-ms, then --chunks
deltas --chunk-delay-ms apart); Claude Code runs the tool, gets an error result and calls again, so one
process makes T LLM calls — an agent loop — and start-up noise is spread over T calls.

Each round runs the workload twice, in random order: once alone ("without") and once with
`agentprof trace --pid GATE --no-lib-scan` attached before the program execs ("with"); agentprof
must produce one span per call, so the probes were really there. `--no-lib-scan` keeps probes off
the fake server's own libssl: only Claude Code's calls are probed, as in production.

1. End to end: per round, (wall time with − wall time without) / calls. Wall time runs from releasing
   the program to its exit, so it includes agentprof's own CPU use on this 2-core machine.
2. Per call: the server logs when each request was fully received; the interval between one
   request and the next is one whole LLM call plus the client's work between calls (reading the
   response end, running the tool, sending the next request). Per round, median interval with −
   median interval without.
   For both: the median over rounds and a 95% bootstrap interval for it (2000 resamples of rounds),
   divided by the call's duration (server-measured request received → response end, median).
3. Direct model, from the kernel's BPF statistics (run counts and run times of agentprof's programs,
   read before agentprof exits): SSL calls probed per LLM call × the cost of an empty uprobe+uretprobe
   pair measured here on a trivial function (`ssl_bench trivial` with and without `bench_empty_probe`),
   plus the run time of agentprof's uprobe programs per LLM call. The syscall tracepoints run for every
   process on the host; their total time during the run, divided by the calls, is given as an upper
   bound of their share.
Also reported: Claude Code's CPU time (user+sys, from wait4) per call with and without.
"""
import argparse
import glob
import json
import os
import random
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


class Gate:
    """/bin/sh waiting for a line, then exec'ing argv: its pid can be put in scope before the exec.
    Reaped with wait4 for the program's CPU time."""

    def __init__(self, argv, env, out_path):
        self.out = open(out_path, "wb")
        self.proc = subprocess.Popen(["/bin/sh", "-c", 'read _go; exec "$@"', "gate"] + list(argv),
                                     stdin=subprocess.PIPE, stdout=self.out, stderr=subprocess.DEVNULL, env=env)
        self.pid = self.proc.pid

    def go_and_wait(self):
        t0 = time.monotonic()
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.flush()
        _, status, usage = os.wait4(self.pid, 0)
        wall = time.monotonic() - t0
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        self.proc.stdin.close()
        self.out.close()
        return self.proc.returncode, wall, usage.ru_utime + usage.ru_stime


def prog_ids_of(pid):
    """BPF program ids held by a process (from its fds' fdinfo)."""
    ids = set()
    for info in glob.glob("/proc/%d/fdinfo/*" % pid):
        try:
            with open(info) as f:
                m = re.search(r"^prog_id:\s+(\d+)", f.read(), re.M)
        except OSError:
            continue
        if m:
            ids.add(int(m.group(1)))
    return ids


def bpf_stats(pid):
    """{program name: (type, run_cnt, run_time_ns)} for agentprof's loaded programs."""
    ids = prog_ids_of(pid)
    progs = json.loads(subprocess.run(["bpftool", "prog", "show", "--json"], stdout=subprocess.PIPE,
                                      check=True).stdout)
    out = {}
    for p in progs:
        if p["id"] in ids:
            name = p.get("name", str(p["id"]))
            t, cnt, ns = out.get(name, (p["type"], 0, 0))
            out[name] = (p["type"], cnt + p.get("run_cnt", 0), ns + p.get("run_time_ns", 0))
    return out


def start_agentprof(args):
    log = tempfile.NamedTemporaryFile(prefix="agentprof-bench-", delete=False)
    p = subprocess.Popen([h.AGENTPROF, "trace"] + args, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.time() + 60
    while time.time() < deadline:
        with open(log.name, errors="replace") as f:
            text = f.read()
        if "agentprof: ready" in text:
            return p, log.name
        if p.poll() is not None:
            raise RuntimeError("agentprof exited: %s" % text)
        time.sleep(0.05)
    p.kill()
    raise RuntimeError("agentprof not ready")


def stop_agentprof(p, log_path):
    p.send_signal(2)
    p.wait(60)
    with open(log_path, errors="replace") as f:
        text = f.read()
    os.unlink(log_path)
    return text


def run_claude(a, server, certs, tmp, with_agentprof, n):
    home = tempfile.mkdtemp(dir=tmp)
    env = dict(os.environ, HOME=home, ANTHROPIC_BASE_URL=server.base, ANTHROPIC_API_KEY="sk-bench-SECRET",
               NODE_EXTRA_CA_CERTS=certs["ca"], DISABLE_AUTOUPDATER="1", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1")
    out_path = os.path.join(tmp, "out-%d-%d.txt" % (n, with_agentprof))
    gate = Gate([a.claude, "-p", "say hello", "--max-turns", str(a.turns)], env, out_path)
    jsonl = os.path.join(tmp, "spans-%d.jsonl" % n)
    before = len(server.log())
    ap = None
    if with_agentprof:
        ap = start_agentprof(["--pid", str(gate.pid), "--jsonl", jsonl, "--no-store", "--quiet", "--no-lib-scan"])
    rc, wall, cpu = gate.go_and_wait()
    stats, stderr = {}, ""
    if ap:
        stats = bpf_stats(ap[0].pid)
        stderr = stop_agentprof(*ap)
    with open(out_path, "rb") as f:
        output = f.read()
    shutil.rmtree(home, ignore_errors=True)
    calls = sorted((e for e in server.log()[before:] if e["path"].startswith("/v1/messages")),
                   key=lambda e: e["request_done_unix_ns"])
    if rc not in (0, 1) or len(calls) != a.turns:
        raise RuntimeError("claude exited %d after %d calls (want %d): %r" % (rc, len(calls), a.turns, output[-500:]))
    r = {
        "wall": wall, "cpu": cpu, "calls": len(calls), "output": output,
        "served": [(e["response_done_unix_ns"] - e["request_done_unix_ns"]) / 1e9 for e in calls],
        "intervals": [(b["request_done_unix_ns"] - a_["request_done_unix_ns"]) / 1e9 for a_, b in zip(calls, calls[1:])],
        "stats": stats,
    }
    if with_agentprof:
        spans = h.parse_jsonl(jsonl) if os.path.exists(jsonl) else []
        ids = {s["attributes"].get("gen_ai.response.id") for s in spans}
        missing = [e["response_id"] for e in calls if e["response_id"] not in ids]
        if missing:
            raise RuntimeError("agentprof missed %d of %d calls:\n%s" % (len(missing), len(calls), stderr[-3000:]))
        os.unlink(jsonl)
    return r


def empty_probe_floor(build, rounds, calls=200000):
    """Median cost (ns) of an empty uprobe+uretprobe pair on a trivial function, and the plain call."""
    bench = os.path.join(build, "bench", "ssl_bench")
    empty = os.path.join(build, "bench", "bench_empty_probe")

    def once():
        p = subprocess.Popen([bench, "trivial", str(calls)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        p.stdout.readline()  # CLIENT <pid>
        out, _ = p.communicate("go\n", timeout=300)
        return int(re.search(r"trivial median_ns=(\d+)", out).group(1))

    plain, probed = [], []
    for _ in range(rounds):
        plain.append(once())
        t = subprocess.Popen([empty, bench, "agentprof_bench_trivial"], stderr=subprocess.PIPE, text=True)
        if "ready" not in t.stderr.readline():
            raise RuntimeError("bench_empty_probe did not start")
        probed.append(once())
        t.send_signal(2)
        t.wait(30)
    return statistics.median(probed) - statistics.median(plain)


def median_ci(values, resamples=2000, seed=1):
    rng = random.Random(seed)
    meds = sorted(statistics.median(rng.choices(values, k=len(values))) for _ in range(resamples))
    return statistics.median(values), meds[int(0.025 * resamples)], meds[int(0.975 * resamples) - 1]


def load_average():
    with open("/proc/loadavg") as f:
        return f.read().split()[:3]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--turns", type=int, default=6)
    ap.add_argument("--ttft-ms", type=int, default=500)
    ap.add_argument("--chunks", type=int, default=40)
    ap.add_argument("--chunk-delay-ms", type=int, default=20)
    ap.add_argument("--floor-rounds", type=int, default=3)
    ap.add_argument("--claude", default=os.path.join(ROOT, "tests", "integration", "agents", "node_modules",
                                                      "claude-code-2.1.330", "claude"))
    ap.add_argument("--seed", type=int, default=6)
    a = ap.parse_args()
    h.AGENTPROF = os.path.join(a.build, "agentprof")
    print("load average before: %s" % " ".join(load_average()))

    tmp = tempfile.mkdtemp(prefix="agentprof-claude-bench-")
    server = None
    try:
        certs = h.make_certs(tmp)
        server = h.FakeServer(certs, log_path=os.path.join(tmp, "server.jsonl"), extra=[
            "--ttft-ms", str(a.ttft_ms), "--chunks", str(a.chunks), "--chunk-delay-ms", str(a.chunk_delay_ms)])
        # Warm-up (page cache, agentprof's analysis cache), not counted.
        run_claude(a, server, certs, tmp, False, -1)
        run_claude(a, server, certs, tmp, True, -1)
        rng = random.Random(a.seed)
        rounds = []
        for n in range(a.rounds):
            order = [False, True]
            rng.shuffle(order)
            res = {w: run_claude(a, server, certs, tmp, w, n) for w in order}
            if res[True]["output"] != res[False]["output"]:
                raise RuntimeError("claude's output differs with agentprof attached")
            rounds.append(res)
            print("round %d: wall %.3f s without, %.3f s with" % (n + 1, res[False]["wall"], res[True]["wall"]),
                  flush=True)
        floor_ns = empty_probe_floor(a.build, a.floor_rounds)
    finally:
        if server:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    calls = a.turns
    served = statistics.median(s for r in rounds for w in (False, True) for s in r[w]["served"])
    interval_without = statistics.median(i for r in rounds for i in r[False]["intervals"])
    print()
    print("load average after: %s" % " ".join(load_average()))
    print("workload: claude -p --max-turns %d (%s), %d calls per run, %d rounds; server: first event after %d ms, "
          "%d deltas %d ms apart" % (a.turns, os.path.basename(os.path.dirname(a.claude)), calls, a.rounds,
                                     a.ttft_ms, a.chunks, a.chunk_delay_ms))
    print("LLM call duration (server: request received -> response end), median: %.1f ms" % (served * 1000))
    print("call-to-call interval without agentprof, median: %.1f ms" % (interval_without * 1000))

    def report(title, diffs_s):
        med, lo, hi = median_ci(diffs_s)
        print("%s: %+.2f ms per call (95%% CI %+.2f .. %+.2f ms) = %+.3f%% of the call (CI %+.3f%% .. %+.3f%%)" % (
            title, med * 1000, lo * 1000, hi * 1000, 100 * med / served, 100 * lo / served, 100 * hi / served))

    report("1. end to end (wall per run / calls)", [(r[True]["wall"] - r[False]["wall"]) / calls for r in rounds])
    report("2. per call (median call-to-call interval)",
           [statistics.median(r[True]["intervals"]) - statistics.median(r[False]["intervals"]) for r in rounds])
    cpu_with = statistics.median(r[True]["cpu"] / calls for r in rounds)
    cpu_without = statistics.median(r[False]["cpu"] / calls for r in rounds)
    print("Claude Code CPU time per call: %.1f ms without, %.1f ms with (median)" % (cpu_without * 1000, cpu_with * 1000))

    # 3. Direct model from the kernel's statistics of the "with" runs.
    enter = {}
    uprobe_ns = tracepoint_ns = 0
    for r in rounds:
        for name, (typ, cnt, ns) in r[True]["stats"].items():
            if typ == "kprobe":  # uprobes and uretprobes
                uprobe_ns += ns
                if not name.endswith(("_exit", "_return")):
                    enter[name] = enter.get(name, 0) + cnt
            elif typ == "tracepoint":
                tracepoint_ns += ns
    total_calls = calls * len(rounds)
    if not any(r[True]["stats"].get(n, ("", 0, 0))[2] for r in rounds for n in r[True]["stats"]):
        print("3. direct model: no BPF run times (kernel.bpf_stats_enabled is 0)")
        return
    ssl_calls = sum(enter.values()) / total_calls
    per_call_ns = ssl_calls * floor_ns + uprobe_ns / total_calls
    print("3. direct model: %.1f probed SSL calls per LLM call (%s)" % (ssl_calls, ", ".join(
        "%s %.1f" % (k, v / total_calls) for k, v in sorted(enter.items()))))
    print("   x %.2f us (empty uprobe+uretprobe pair, measured here) + %.2f us of agentprof's uprobe programs "
          "= %.3f ms per call = %.4f%% of the call" % (floor_ns / 1000, uprobe_ns / total_calls / 1000,
                                                     per_call_ns / 1e6, 100 * per_call_ns / 1e9 / served))
    print("   syscall tracepoint programs, all processes on the host during the runs: %.3f ms per call "
          "(upper bound of Claude Code's share)" % (tracepoint_ns / total_calls / 1e6))


if __name__ == "__main__":
    main()
