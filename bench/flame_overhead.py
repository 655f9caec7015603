#!/usr/bin/python3
"""Overhead of CPU sampling on a CPU-bound target, side by side in one run:
  baseline | agentprof flame at 99 Hz | at 19 Hz | perf record -F 99 -g | bcc profile-bpfcc -F 99
Each configuration runs the same single-threaded target for --seconds; runs are interleaved over
--rounds so machine-load drift hits every configuration alike. Two numbers per configuration:
  work/CPU-s: work units per second of the target's own CPU time (user+sys, from wait4). Sampling
             cost lands here (the BPF program runs in the interrupted task's context), and it is
             insensitive to other load on the machine.
  work/wall-s: work units per wall second (what a user sees; noisy on a shared machine).
Also: the sampling program's own run time from the kernel's BPF statistics (noise-free, for a C and a
Python target), and the wall time of `agentprof flame --duration 5` on a node process (cold
symbolization included).
Needs root. Usage: sudo bench/flame_overhead.py [--build build] [--seconds 5] [--rounds 3]"""

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

TARGET_C = r'''
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv) {
  char go[8];
  if (!fgets(go, sizeof go, stdin)) return 1; /* start once the profiler is attached */
  double end = now() + atof(argv[1]);
  volatile unsigned long long sink = 1;
  unsigned long long units = 0;
  while (now() < end) {
    unsigned long long x = sink;
    for (int i = 0; i < 20000; i++) x = x * 6364136223846793005ull + 1442695040888963407ull;
    sink = x;
    units++;
  }
  printf("%llu\n", units);
  return 0;
}
'''


def wait_ready(prof, ready):
    """Waits until the profiler is sampling: a stderr line for agentprof, a fixed delay otherwise."""
    if isinstance(ready, str):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = prof.stderr.readline()
            if not line or ready in line:
                return
    else:
        time.sleep(ready)


def run_target(binary, seconds, profiler=None):
    """Runs the target for `seconds` once the profiler is ready (its start-up is not measured);
    returns (units, cpu_seconds, wall_seconds, profiler_note)."""
    target = subprocess.Popen([binary, str(seconds)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    prof = None
    note = ""
    if profiler:
        argv_for_pid, ready = profiler
        prof = subprocess.Popen(argv_for_pid(target.pid), stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        wait_ready(prof, ready)
    target.stdin.write(b"go\n")
    target.stdin.close()
    start = time.monotonic()
    _, status, usage = os.wait4(target.pid, 0)  # rusage of the target alone
    wall = time.monotonic() - start
    units = int(target.stdout.read().strip() or 0)
    target.returncode = os.waitstatus_to_exitcode(status)
    if prof:
        if prof.poll() is None:
            prof.send_signal(signal.SIGINT)
        try:
            _, err = prof.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            prof.kill()
            _, err = prof.communicate()
        if prof.returncode not in (0, -2, 130):
            note = (err or "").strip().splitlines()[-1:] or ["failed"]
            note = "exit %d: %s" % (prof.returncode, note[0][:160])
    return units, usage.ru_utime + usage.ru_stime, wall, note


def bootstrap_median_interval(values, resamples=2000):
    """95% interval of the median of `values` by resampling them with replacement."""
    import random
    if len(values) < 2:
        return (values[0], values[0]) if values else (0.0, 0.0)
    rng = random.Random(1)
    medians = sorted(statistics.median(rng.choices(values, k=len(values))) for _ in range(resamples))
    return medians[int(0.025 * resamples)], medians[int(0.975 * resamples) - 1]


def bpf_program_cost(agentprof, label, argv, needs_go, secs, tmp):
    import json
    bpftool = shutil.which("bpftool") or "/usr/sbin/bpftool"
    stats_path = "/proc/sys/kernel/bpf_stats_enabled"
    try:
        with open(stats_path) as f:
            previous = f.read().strip()
        with open(stats_path, "w") as f:
            f.write("1")
    except OSError as e:
        print("BPF program cost: cannot enable %s: %s" % (stats_path, e))
        return
    try:
        target = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
        prof = subprocess.Popen([agentprof, "flame", "--pid", str(target.pid), "--duration", str(int(secs + 15)),
                                 "--quiet", "-o", os.path.join(tmp, "cost.folded")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wait_ready(prof, "agentprof: ready")
        if needs_go:
            target.stdin.write(b"go\n")
        target.stdin.close()
        time.sleep(secs * 0.8)
        out = subprocess.run([bpftool, "-j", "prog", "show", "name", "on_cpu_sample"], capture_output=True, text=True)
        target.wait()
        prof.send_signal(signal.SIGINT)
        prof.communicate(timeout=30)
        progs = json.loads(out.stdout or "[]")
        if isinstance(progs, dict):
            progs = [progs]
        runs = sum(p.get("run_cnt", 0) for p in progs)
        ns = sum(p.get("run_time_ns", 0) for p in progs)
        if runs:
            per = ns / runs
            print("BPF sampling program, %s: %d runs, %.1f us per run -> %.3f%% of a CPU at 99 Hz, %.3f%% at 19 Hz"
                  " (average over every CPU tick, in scope or not; plus the timer interrupt itself)"
                  % (label, runs, per / 1000, per * 99 / 1e7, per * 19 / 1e7))
        else:
            print("BPF program cost: no run statistics (%s)" % (out.stderr.strip() or "program not found"))
    finally:
        with open(stats_path, "w") as f:
            f.write(previous)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    agentprof = os.path.join(args.build, "agentprof")
    tmp = tempfile.mkdtemp(prefix="flame-bench-")
    try:
        src = os.path.join(tmp, "target.c")
        with open(src, "w") as f:
            f.write(TARGET_C)
        binary = os.path.join(tmp, "target")
        subprocess.run(["gcc", "-O2", "-fno-omit-frame-pointer", "-o", binary, src], check=True)
        secs = args.seconds
        long_enough = str(int(secs + 15))
        configs = [("baseline", None)]
        for hz in (99, 19):
            configs.append(("agentprof %d Hz" % hz, (lambda pid, hz=hz: [
                agentprof, "flame", "--pid", str(pid), "--frequency", str(hz), "--duration", long_enough,
                "--quiet", "-o", os.path.join(tmp, "out.folded")], "agentprof: ready")))
        perf = shutil.which("perf")
        if perf:
            configs.append(("perf record -F 99 -g", (lambda pid: [
                perf, "record", "-F", "99", "-g", "-p", str(pid), "-o", os.path.join(tmp, "perf.data")], 2.0)))
        bcc = shutil.which("profile-bpfcc") or ("/usr/sbin/profile-bpfcc" if os.path.exists("/usr/sbin/profile-bpfcc") else None)
        if bcc:
            # bcc compiles its program at start-up (needs kernel headers): give it time.
            configs.append(("bcc profile -F 99", (lambda pid: [bcc, "-F", "99", "-p", str(pid), long_enough], 8.0)))
        results = {name: [] for name, _ in configs}
        notes = {}
        import random
        order_rng = random.Random(2)
        for _ in range(args.rounds):
            order = list(configs)
            order_rng.shuffle(order)  # no configuration always runs first (or right after another)
            for name, argv in order:
                units, cpu, wall, note = run_target(binary, secs, argv)
                if note:
                    notes[name] = note
                results[name].append((units / cpu if cpu > 0 else 0.0, units / wall))
        # Each round ran every configuration once, back to back: compare each with the baseline of its
        # own round (paired), so slow drift of the machine cancels; median over rounds with a 95%
        # bootstrap interval.
        print("%-24s %14s %26s %14s %9s" % ("configuration", "work/CPU-s", "loss (95% CI)", "work/wall-s", "loss"))
        for name, _ in configs:
            if notes.get(name, "").startswith("exit"):
                # The profiler failed to start: its runs measured an unprofiled target.
                print("%-24s could not run: %s" % (name, notes[name]))
                continue
            cpu = statistics.median(r[0] for r in results[name])
            wall = statistics.median(r[1] for r in results[name])
            paired = [100 * (1 - r[0] / b[0]) for r, b in zip(results[name], results["baseline"]) if b[0] > 0]
            paired_wall = [100 * (1 - r[1] / b[1]) for r, b in zip(results[name], results["baseline"]) if b[1] > 0]
            lo, hi = bootstrap_median_interval(paired)
            print("%-24s %14.0f %8.2f%% [%6.2f, %6.2f] %14.0f %8.2f%%%s" % (
                name, cpu, statistics.median(paired), lo, hi, wall, statistics.median(paired_wall),
                ("   [" + notes[name] + "]") if name in notes else ""))
        for name in ("perf record -F 99 -g", "bcc profile -F 99"):
            if not any(n == name for n, _ in configs):
                print("%-24s not installed" % name)

        # Direct cost of the sampling program, free of machine-load noise: the kernel's own BPF run-time
        # statistics (kernel.bpf_stats_enabled) while agentprof samples the target at 99 Hz.
        bpf_program_cost(agentprof, "C target", [binary, str(secs)], True, secs, tmp)
        hot_py = os.path.join(ROOT, "tests", "integration", "flame_targets", "hot.py")
        bpf_program_cost(agentprof, "Python 3.11 target (frame walk)", ["/usr/bin/python3", hot_py, str(secs)],
                         False, secs, tmp)

        # agentprof flame --duration 5 on a node process: wall time including cold symbolization.
        node = shutil.which("node")
        if node:
            script = os.path.join(ROOT, "tests", "integration", "flame_targets", "hot.js")
            proc = subprocess.Popen([node, "--perf-basic-prof", script, "60"], stdout=subprocess.DEVNULL, cwd=tmp)
            time.sleep(1.0)
            t0 = time.monotonic()
            r = subprocess.run([agentprof, "flame", "--pid", str(proc.pid), "--duration", "5", "--quiet",
                                "-o", os.path.join(tmp, "node.svg")], capture_output=True, text=True)
            took = time.monotonic() - t0
            proc.kill()
            proc.wait()
            print("agentprof flame --duration 5 on node: %.2f s wall (exit %d)" % (took, r.returncode))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
