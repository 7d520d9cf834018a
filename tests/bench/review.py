#!/usr/bin/env python3
"""review.py - retort review vs `alembic upgrade --sql` on a generated project, side by side.

Cold: a new process per run, in turns with the reference: `retort review base:heads
--format json` (wall and user+sys CPU: CPU above wall means both cores worked) against
`alembic upgrade base:heads --sql`, what a user runs today to see the SQL of every
revision; the ratio of the medians. Where retort's cold time goes, from runs that do
less: `history` (headers only), `review REV0` (every file fully parsed, one revision
linted and rendered), `review base:heads` in text (all linted and rendered, no JSON).
Warm: over one `retort mcp` connection, review_migration {path: F} with F edited (a
comment line appended) before every call, p50/p99 (with the client's json.loads of the
reply, and until the reply had arrived); the same without edits, and a full warm review of
base:heads. Prints whether each target of the issue is met, against which measurement and
by which criterion. LSP: tests/lsp/bench.mjs, keystroke to publishDiagnostics
on a 20 KB revision file, p50/p90.
Never fails on time; exits 1 when a command crashes or fails, or a result is not what
the generated project implies (revision counts, a tool error).
Usage: review.py --retort BIN [--alembic BIN] [--revisions N] [--runs R]
                 [--alembic-runs R] [--calls C] [--full-calls C] [--edits E] [--keep DIR]
"""
import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from benchlib import spawn_timed as run_once

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", ".."))


class Failed(Exception):
    pass


def cold(jobs):
    """jobs: [(name, argv, runs, cwd, ok_codes)]. One untimed run each (page cache,
    alembic's __pycache__), then timed runs in turns (a, b, c, a, b, c, ...) so that a
    change of load on a shared machine touches all alike. A child killed by a signal
    or exiting with a code outside ok_codes is a failure."""
    results = []

    def one(name, argv, cwd, ok_codes):
        wall, cpu, code, out, err = run_once(argv, cwd)
        if code not in ok_codes:
            raise Failed(f"{name} failed (exit {code}): {' '.join(argv)}\n{err[-2000:]}")
        return wall, cpu, code, out

    for name, argv, runs, cwd, ok_codes in jobs:
        _, _, code, out = one(name, argv, cwd, ok_codes)
        results.append({"name": name, "wall": [], "cpu": [], "code": code, "output": out})
    for k in range(max(job[2] for job in jobs)):
        for (name, argv, runs, cwd, ok_codes), res in zip(jobs, results):
            if k < runs:
                wall, cpu, _, _ = one(name, argv, cwd, ok_codes)
                res["wall"].append(wall)
                res["cpu"].append(cpu)
    for res in results:
        res["wall_ms"] = statistics.median(res["wall"])
        res["cpu_ms"] = statistics.median(res["cpu"])
    return results


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, max(0, -(-p * len(s) // 100) - 1))]


class Mcp:
    """A raw NDJSON MCP client over one `retort mcp` process (no SDK: the numbers
    measure the server, plus one pipe round trip)."""

    def __init__(self, retort, root):
        self.p = subprocess.Popen([retort, "mcp", "--project", root], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE)
        self.next_id = 1
        init, _ = self.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                              "clientInfo": {"name": "retort-bench", "version": "1"}})
        if "error" in init:
            raise Failed(f"initialize: {init['error']}")
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def send(self, msg):
        self.p.stdin.write((json.dumps(msg) + "\n").encode())
        self.p.stdin.flush()

    def request(self, method, params):
        """The reply, and the perf_counter time when its last byte had arrived (before
        json.loads)."""
        rid = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        while True:
            line = self.p.stdout.readline()
            arrived = time.perf_counter()
            if not line:
                raise Failed(f"retort mcp exited ({self.p.wait()}) with request {rid} pending")
            msg = json.loads(line)
            if msg.get("id") == rid:
                self.last_bytes = len(line)
                return msg, arrived

    def call(self, tool, arguments):
        """(ms, structuredContent, response bytes, ms until the reply had arrived). ms
        includes json.loads of the reply. A JSON-RPC error or isError fails."""
        t0 = time.perf_counter()
        res, arrived = self.request("tools/call", {"name": tool, "arguments": arguments})
        ms = (time.perf_counter() - t0) * 1000
        if "error" in res or res["result"].get("isError"):
            raise Failed(f"tools/call {tool} {json.dumps(arguments)}: "
                         f"{json.dumps(res.get('error') or res['result'].get('content'))[:2000]}")
        return ms, res["result"]["structuredContent"], self.last_bytes, (arrived - t0) * 1000

    def peak_rss_kib(self):
        with open(f"/proc/{self.p.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return 0

    def close(self):
        self.p.stdin.close()
        code = self.p.wait()
        if code != 0:
            raise Failed(f"retort mcp exited with {code}")


def phase_cpu(argv, runs):
    """On-CPU milliseconds of a cold review's threads in each phase, from `perf record`
    samples of task-clock (CPU time: what other processes on a busy machine do does not
    count), median of `runs`: {"parse": (main, other), "after": (main, other)}. The parse
    phase ends with the last sample of the parse worker (the second thread); "other" is
    every thread but the main one. None when perf cannot record here."""
    if not shutil.which("perf"):
        return None
    hz = 4000
    got = {"parse": ([], []), "after": ([], [])}
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "perf.data")
        for _ in range(runs):
            rec = subprocess.run(["perf", "record", "-q", "-e", "task-clock", "-F", str(hz), "-o", data,
                                  "--"] + argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if rec.returncode not in (0, 1):
                return None
            out = subprocess.run(["perf", "script", "-i", data, "-F", "tid,time"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True).stdout
            samples = []
            for line in out.splitlines():
                parts = line.replace(":", " ").split()
                if len(parts) >= 2:
                    samples.append((int(parts[0]), float(parts[1])))
            first, last = {}, {}
            for tid, t in samples:
                first.setdefault(tid, t)
                last[tid] = t
            tids = sorted(first, key=first.get)
            if len(tids) < 2:
                return None
            main, end = tids[0], last[tids[1]]
            count = {("parse", True): 0, ("parse", False): 0, ("after", True): 0, ("after", False): 0}
            for tid, t in samples:
                count[("parse" if t <= end else "after", tid == main)] += 1
            for phase in ("parse", "after"):
                got[phase][0].append(count[(phase, True)] * 1000 / hz)
                got[phase][1].append(count[(phase, False)] * 1000 / hz)
    return {ph: (statistics.median(m), statistics.median(o)) for ph, (m, o) in got.items()}


def check_review(doc, n, what):
    """A full review's JSON: one entry per revision, each with SQL, and the summary."""
    revs = doc.get("revisions")
    if not isinstance(revs, list) or len(revs) != n:
        raise Failed(f"{what}: expected {n} revisions, got {len(revs) if isinstance(revs, list) else revs!r}")
    if doc.get("summary", {}).get("revisions") != n:
        raise Failed(f"{what}: summary says {doc.get('summary')}")
    if any(not r["sql"]["upgrade"] for r in revs):
        missing = [r["revision"] for r in revs if not r["sql"]["upgrade"]][:5]
        raise Failed(f"{what}: revisions without upgrade SQL: {missing}")
    return sum(len(r["sql"]["upgrade"]) + len(r["sql"]["downgrade"]) for r in revs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--retort", required=True)
    ap.add_argument("--alembic", default="/usr/bin/alembic")
    ap.add_argument("--revisions", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--alembic-runs", type=int, default=5)
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("--full-calls", type=int, default=10)
    ap.add_argument("--edits", type=int, default=200, help="LSP keystrokes")
    ap.add_argument("--keep", help="generate the project here and keep it")
    o = ap.parse_args()
    retort = os.path.abspath(o.retort)
    n = o.revisions

    root = o.keep or tempfile.mkdtemp(prefix="retort-review-bench-")
    try:
        if o.keep:
            shutil.rmtree(root, ignore_errors=True)
        summary = json.loads(subprocess.check_output(
            [sys.executable, os.path.join(HERE, "gen_history.py"), root, str(n)]))
        print(f"review bench: {n} revisions (create_table with FKs, add_column, create_index, "
              f"alter_column, op.execute, batch, check constraints), {summary['merges']} merges, "
              f"{summary['avg_bytes']} bytes per file on average")
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

        ini = os.path.join(root, "alembic.ini")
        rev0 = hashlib.sha1(b"bench-revision-0").hexdigest()[:12]
        review = [retort, "--project", root, "review", "base:heads"]
        # review exits 1 when an error-severity finding exists (the generated project
        # has some: indexes without CONCURRENTLY, ...); 0 and 1 are results, the rest
        # (2 bad arguments, a signal) are failures.
        r, a, h, one = cold([
            ("retort review base:heads --format json", review + ["--format", "json"], o.runs, None, (0, 1)),
            ("alembic upgrade base:heads --sql",
             [o.alembic, "-c", ini, "upgrade", "base:heads", "--sql"], o.alembic_runs, root, (0,)),
            ("retort history", [retort, "--project", root, "history"], o.runs, None, (0,)),
            ("retort review REV0", [retort, "--project", root, "review", rev0, "--format", "json"],
             o.runs, None, (0, 1)),
        ])
        doc = json.loads(r["output"])
        statements = check_review(doc, n, "retort review base:heads")
        running = sum(1 for line in a["output"].splitlines() if line.startswith("-- Running upgrade"))
        if running != n:
            raise Failed(f"alembic upgrade --sql ran {running} revisions, expected {n}")
        if r["code"] != (1 if doc["summary"]["errors"] else 0):
            raise Failed(f"retort review exit {r['code']} with {doc['summary']['errors']} errors")
        check_review(json.loads(one["output"]), 1, "retort review REV0")

        ratio = a["wall_ms"] / r["wall_ms"]
        print(f"review cold (full, {n} revisions, {statements} statements, "
              f"{len(doc['findings'])} findings, {len(r['output']) // 1024} KB JSON): "
              f"retort {r['wall_ms']:.0f} ms wall / {r['cpu_ms']:.0f} ms CPU "
              f"(CPU/wall {r['cpu_ms'] / r['wall_ms']:.2f}), "
              f"alembic upgrade --sql {a['wall_ms']:.0f} ms wall / {a['cpu_ms']:.0f} ms CPU, "
              f"ratio {ratio:.1f}x [median of {o.runs} and {o.alembic_runs} runs]")
        print(f"  where retort's cold time goes (wall / CPU): read + parse headers only (history) "
              f"{h['wall_ms']:.0f} / {h['cpu_ms']:.0f} ms; read + full parse of every file, lint "
              f"and render of one revision (review REV0) {one['wall_ms']:.0f} / {one['cpu_ms']:.0f} ms; "
              f"so lint + render + output of all {n}: {r['wall_ms'] - one['wall_ms']:.0f} / "
              f"{r['cpu_ms'] - one['cpu_ms']:.0f} ms")
        # "Limited by parsing speed, using both cores": parsing is the larger part by far
        # (what comes after it at most half as long), and both phases keep both cores
        # busy (CPU/wall >= 1.5; a busy machine lowers this, see the load above).
        parse_wall, parse_cpu = one["wall_ms"], one["cpu_ms"]
        after_wall = max(r["wall_ms"] - one["wall_ms"], 0.001)
        after_cpu = r["cpu_ms"] - one["cpu_ms"]
        cores = os.cpu_count() or 1
        limited = after_wall <= parse_wall / 2
        both = parse_cpu / parse_wall >= 1.5 and after_cpu / after_wall >= 1.5
        scale = "" if n == 1000 else f" (the target is for 1,000 revisions; this run has {n})"
        print(f"target cold full review limited by parsing, using both cores: parse {parse_wall:.0f} ms "
              f"wall on {parse_cpu / parse_wall:.2f} cores, then {after_wall:.0f} ms on "
              f"{after_cpu / after_wall:.2f} cores ({100 * after_wall / r['wall_ms']:.0f}% of the "
              f"wall time after parsing; criterion: at most half the parse's time, >= 1.5 of "
              f"{cores} cores in each): {'met' if limited and both else 'NOT met'}"
              f"{'' if limited else ' (too long after parsing)'}"
              f"{'' if both else ' (a phase used fewer cores)'}{scale}")
        # The same judged on CPU time per thread, which a busy machine does not distort: on
        # an idle one each phase would take as long as its busiest thread.
        cpu = phase_cpu(review + ["--format", "json"], o.runs)
        if cpu is None:
            print("  (perf is not available here: no per-thread CPU measurement)")
        else:
            (pm, po), (am, ao) = cpu["parse"], cpu["after"]
            pw, aw = max(pm, po, 0.001), max(am, ao, 0.001)
            pc, ac = (pm + po) / pw, (am + ao) / aw
            ok = aw <= pw / 2 and pc >= 1.5 and ac >= 1.5
            print(f"target cold full review limited by parsing, using both cores, from CPU time per "
                  f"thread (perf, median of {o.runs}): parse {pm:.0f} + {po:.0f} ms on the main and the "
                  f"other threads, then {am:.0f} + {ao:.0f} ms; on an idle machine parse {pw:.0f} ms on "
                  f"{pc:.2f} cores, then {aw:.0f} ms on {ac:.2f} cores ({100 * aw / (pw + aw):.0f}% after "
                  f"parsing): {'met' if ok else 'NOT met'}{scale}")

        versions = os.path.join(root, "migrations", "versions")
        name = sorted(f for f in os.listdir(versions) if f.endswith(".py"))[n // 2]
        path = os.path.join(versions, name)
        mcp = Mcp(retort, root)
        try:
            first, _, _, _ = mcp.call("review_migration", {"path": path})
            edited, edited_reply, same = [], [], []
            expect_id = None
            with open(path, "rb") as f:
                original = f.read()
            for k in range(o.calls):
                # Alternately one comment line more and the original text: a new size
                # and mtime each time, so the file is re-parsed, at a constant size.
                with open(path, "wb") as f:
                    f.write(original + f"# edit {k}\n".encode() if k % 2 == 0 else original)
                ms, sc, size, reply = mcp.call("review_migration", {"path": path})
                got = [x["revision"] for x in sc["revisions"]]
                expect_id = expect_id or got[0]
                if got != [expect_id]:
                    raise Failed(f"review_migration {{path}} after edit {k}: revisions {got}")
                edited.append(ms)
                edited_reply.append(reply)
            for k in range(o.calls):
                ms, sc, _, _ = mcp.call("review_migration", {"path": path})
                same.append(ms)
            full, full_reply = [], []
            for k in range(o.full_calls):
                ms, sc, full_size, reply = mcp.call("review_migration", {"revision": "base:heads"})
                check_review(sc, n, "warm review_migration base:heads")
                full.append(ms)
                full_reply.append(reply)
            rss = mcp.peak_rss_kib()
        finally:
            mcp.close()
        p50 = pct(edited, 50)
        reply50 = pct(edited_reply, 50)
        print(f"review warm, one edited file (review_migration {{path}} over one MCP connection, "
              f"a comment line added or removed before each of {o.calls} calls, {size // 1024} KB per response): "
              f"p50 {p50:.2f} ms, p99 {pct(edited, 99):.2f} ms with the client's json.loads "
              f"(reply received: p50 {reply50:.2f} ms), first call {first:.1f} ms")
        print(f"target warm re-review of one edited file < 5 ms, p50 with the client's json.loads "
              f"of the {size // 1024} KB reply: {p50:.2f} ms: {'met' if p50 < 5 else 'NOT met'}"
              f"{'' if n == 1000 else f' (the target is for 1,000 revisions; this run has {n})'}")
        print(f"review warm, same file unchanged: p50 {pct(same, 50):.2f} ms, p99 {pct(same, 99):.2f} ms")
        print(f"review warm, full base:heads ({o.full_calls} calls, {full_size // 1024} KB per response): "
              f"p50 {pct(full, 50):.0f} ms (reply received: {pct(full_reply, 50):.0f} ms), "
              f"p99 {pct(full, 99):.0f} ms; vs alembic upgrade --sql: "
              f"{a['wall_ms'] / pct(full, 50):.1f}x; server peak RSS {rss / 1024:.1f} MB")

        lsp = subprocess.run(["node", os.path.join(SOURCE, "tests", "lsp", "bench.mjs"), retort,
                              str(n), str(o.edits)], stdout=subprocess.PIPE, text=True)
        if lsp.returncode != 0:
            raise Failed(f"tests/lsp/bench.mjs failed (exit {lsp.returncode})")
        l = json.loads(lsp.stdout.strip().splitlines()[-1])
        print(f"LSP keystroke to diagnostics ({l['file_bytes'] // 1024} KB file in a {l['revisions']}-"
              f"revision project, {l['keystrokes']} keystrokes): p50 {l['median_ms']:.2f} ms, "
              f"p90 {l['p90_ms']:.2f} ms, max {l['max_ms']:.2f} ms, didOpen {l['open_ms']:.1f} ms")
        print(f"summary: cold full review {r['wall_ms']:.0f} ms ({r['cpu_ms'] / r['wall_ms']:.2f} "
              f"cores) vs alembic upgrade --sql {a['wall_ms']:.0f} ms = {ratio:.1f}x; warm edited-file "
              f"review p50 {p50:.2f} ms; LSP keystroke p50 {l['median_ms']:.2f} ms; "
              f"load average now {os.getloadavg()[0]:.1f}")
        return 0
    except Failed as e:
        print(f"review bench: FAILED: {e}")
        return 1
    finally:
        if not o.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
