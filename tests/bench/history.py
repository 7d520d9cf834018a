#!/usr/bin/env python3
"""history.py - retort history vs alembic history on a generated project, side by side.

Cold: a new process per run (`retort history` and `alembic history`, in turns), median
wall time and peak RSS of each. Warm: `tools/call history` over one `retort mcp` connection,
per-call p50/p99 (mcp_client.mjs, no SDK), twice: until the reply's bytes have arrived (the
server's time) and until the client has also parsed them (JSON.parse of ~400 KB is a good
part of that). Prints whether each target of the issue is met, and against which of these.
Also checks that both print the same text.
Never fails on time; exits 1 when a command fails or the outputs differ.
Usage: history.py --retort BIN [--alembic BIN] [--revisions N] [--runs R]
                  [--alembic-runs R] [--calls C] [--keep DIR]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from benchlib import run_once

HERE = os.path.dirname(os.path.abspath(__file__))


def peak_rss_kib(argv, cwd=None):
    """Peak RSS of one run, measured by /usr/bin/time: a child forked from this Python
    process would count Python's own pages in its ru_maxrss."""
    with tempfile.NamedTemporaryFile("r") as f:
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", f.name] + argv, cwd=cwd,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        return int(f.read().split()[-1])


def cold(jobs):
    """jobs: [(name, argv, runs, cwd)]. Runs each once untimed (page cache, alembic's
    __pycache__), then times them in turns (a, b, a, b, ...) so that a change of load
    on a shared machine touches all alike. Returns one result dict per job."""
    results = []
    for name, argv, runs, cwd in jobs:
        _, code, out, err = run_once(argv, cwd)
        if code != 0:
            sys.exit(f"{name} failed (exit {code}): {' '.join(argv)}\n{err[-2000:]}")
        results.append({"times": [], "output": out})
    for k in range(max(job[2] for job in jobs)):
        for (name, argv, runs, cwd), res in zip(jobs, results):
            if k < runs:
                t, code, _, err = run_once(argv, cwd)
                if code != 0:
                    sys.exit(f"{name} failed (exit {code}):\n{err[-2000:]}")
                res["times"].append(t)
    for (name, argv, runs, cwd), res in zip(jobs, results):
        res["median_ms"] = statistics.median(res["times"])
        res["rss_kib"] = peak_rss_kib(argv, cwd)
    return results


def canonical(text):
    """alembic prints a branch point's children from a frozenset (PYTHONHASHSEED
    order): sort those lists so that equal histories compare equal."""
    out = []
    for line in text.splitlines():
        if line.startswith("Branches into: "):
            line = "Branches into: " + ", ".join(sorted(line[15:].split(", ")))
        out.append(line)
    return "\n".join(out)


def first_difference(a, b):
    la, lb = a.splitlines(), b.splitlines()
    for k, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return f"line {k + 1}:\n  retort:  {x}\n  alembic: {y}"
    return f"line counts differ: retort {len(la)}, alembic {len(lb)}"


def mb(kib):
    return f"{kib / 1024:.1f} MB"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--retort", required=True)
    ap.add_argument("--alembic", default="/usr/bin/alembic")
    ap.add_argument("--revisions", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--alembic-runs", type=int, default=5)
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--keep", help="generate the project here and keep it")
    o = ap.parse_args()
    retort = os.path.abspath(o.retort)

    root = o.keep or tempfile.mkdtemp(prefix="retort-bench-")
    try:
        if o.keep:
            shutil.rmtree(root, ignore_errors=True)
        summary = json.loads(subprocess.check_output(
            [sys.executable, os.path.join(HERE, "gen_history.py"), root, str(o.revisions)]))
        print(f"history bench: {summary['revisions']} revisions, {summary['merges']} merges, "
              f"{summary['branch_labels']} branch labels, {summary['depends_on']} depends_on, "
              f"{summary['avg_bytes']} bytes per file on average")

        floor = statistics.median(run_once(["/bin/true"])[0] for _ in range(20))
        print(f"process spawn floor on this machine (/bin/true): {floor:.1f} ms, "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

        ini = os.path.join(root, "alembic.ini")
        r, a = cold([("retort history", [retort, "--project", root, "history"], o.runs, None),
                     ("alembic history", [o.alembic, "-c", ini, "history"], o.alembic_runs, root)])
        ratio = a["median_ms"] / r["median_ms"]
        print(f"history cold: retort {r['median_ms']:.1f} ms, alembic {a['median_ms']:.0f} ms, "
              f"ratio {ratio:.0f}x (target >= 20x) "
              f"[median of {o.runs} and {o.alembic_runs} runs]")

        rv, av = cold([("retort history --verbose", [retort, "--project", root, "history", "--verbose"],
                        o.runs, None),
                       ("alembic history --verbose", [o.alembic, "-c", ini, "history", "--verbose"],
                        o.alembic_runs, root)])
        print(f"history --verbose cold: retort {rv['median_ms']:.1f} ms, alembic {av['median_ms']:.0f} ms, "
              f"ratio {av['median_ms'] / rv['median_ms']:.0f}x")

        warm = subprocess.run(
            ["node", os.path.join(HERE, "mcp_client.mjs"), retort, root, str(o.calls), "history", "{}",
             str(o.revisions)],
            stdout=subprocess.PIPE, text=True)
        if warm.returncode != 0:
            sys.exit("warm tools/call history failed")
        w = json.loads(warm.stdout)
        print(f"history warm (tools/call over one MCP connection, {w['calls']} calls, "
              f"{w['response_bytes'] // 1024} KB per response): reply received p50 "
              f"{w['reply_p50_ms']:.2f} ms, p99 {w['reply_p99_ms']:.2f} ms (the server, plus one "
              f"pipe round trip); with the client's JSON.parse p50 {w['p50_ms']:.2f} ms, p99 "
              f"{w['p99_ms']:.2f} ms; first {w['first_ms']:.2f} ms; "
              f"vs alembic cold: {a['median_ms'] / w['p50_ms']:.0f}x")
        scale = "" if o.revisions == 1000 else f" (the targets are for 1,000 revisions; this run has {o.revisions})"
        for label, value in (("reply received", w["reply_p50_ms"]),
                             ("end to end, with JSON.parse", w["p50_ms"])):
            print(f"target warm tools/call history < 5 ms, p50 {label}: {value:.2f} ms: "
                  f"{'met' if value < 5 else 'NOT met'}{scale}")
        print(f"target cold history >= 20x faster than alembic: {ratio:.0f}x: "
              f"{'met' if ratio >= 20 else 'NOT met'}{scale}")

        print(f"peak RSS: retort history {mb(r['rss_kib'])}, retort mcp after {w['calls']} calls "
              f"{mb(w['peak_rss_kib'] or 0)}, alembic history {mb(a['rss_kib'])}, "
              f"ratio {a['rss_kib'] / r['rss_kib']:.1f}x")

        ok = True
        for label, x, y in (("history", r, a), ("history --verbose", rv, av)):
            if canonical(x["output"]) == canonical(y["output"]):
                print(f"output: retort {label} == alembic {label} "
                      f"({len(y['output'].splitlines())} lines)")
            else:
                ok = False
                print(f"output: retort {label} DIFFERS from alembic, first at "
                      f"{first_difference(canonical(x['output']), canonical(y['output']))}")
        return 0 if ok else 1
    finally:
        if not o.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
