#!/usr/bin/env python3
"""upgrade.py - upgrade of a generated N-revision chain (gen_chain.py), three ways on the
same PostgreSQL cluster in one run, a fresh database for every run:

  floor    psql -X -q -v ON_ERROR_STOP=1 -f script.sql, the script being
           `alembic upgrade head --sql` (the same statements, the version-table
           bookkeeping, BEGIN/COMMIT per revision: env.py sets transaction_per_migration)
  alembic  /usr/bin/alembic upgrade head (one transaction per revision, as retort)
  retort   retort call upgrade {"target": "head", "engine": "native", "confirm": PLAN}
           (the plan is asked for first, untimed; the timed call checks it again and
           applies it)

One untimed warm-up run each (page cache, alembic's __pycache__), then R timed runs in
turns (floor, alembic, retort, floor, ...) so that load changes on a shared machine
touch all alike. Prints median wall times and the ratios to the floor, and the target
(retort <= 1.15x the floor). Then the scratch cluster: `retort call status` with a fresh
RETORT_SCRATCH_DIR (initdb + start), with the existing directory after the cluster
stopped (start), and while another retort process keeps the cluster running (status
alone), which is subtracted from the first two.

Never fails on time. Exits 1 when a command fails, the version table is not at head
after a run, or the three schemas (pg_dump --schema-only) differ.
Needs PGHOST (the cluster's socket directory), PGUSER and PG_BIN (upgrade.sh sets them).
Usage: upgrade.py --retort BIN [--alembic BIN] [--revisions N] [--runs R]
                  [--scratch-runs R] [--no-warmup] [--keep DIR]
"""
import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from benchlib import run_once

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = 1.15


class Failed(Exception):
    pass


def psql(db, sql):
    r = subprocess.run(["psql", "-qAtX", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise Failed(f"psql {sql!r}: {r.stderr.strip()}")
    return r.stdout.strip()


def url(db):
    return f"postgresql://{os.environ['PGUSER']}@/{db}?host={os.environ['PGHOST']}"


class Method:
    def __init__(self, name):
        self.name = name
        self.times = []
        self.plan_times = []  # retort: the plan call before the timed confirm
        self.error = None
        self.last_db = None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--retort", required=True)
    ap.add_argument("--alembic", default="/usr/bin/alembic")
    ap.add_argument("--revisions", type=int, default=100)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--scratch-runs", type=int, default=3)
    ap.add_argument("--no-warmup", action="store_true", help="skip the untimed first run (smoke)")
    ap.add_argument("--keep", help="generate the project here and keep it")
    o = ap.parse_args()
    retort = os.path.abspath(o.retort)
    for k in ("PGHOST", "PGUSER", "PG_BIN"):
        if not os.environ.get(k):
            sys.exit(f"upgrade.py: {k} is not set (run it through upgrade.sh)")
    pg_dump = [os.path.join(os.environ["PG_BIN"], "pg_dump"), "--schema-only", "--no-owner"]
    # Since 15.14 pg_dump writes \restrict lines with a random key: fix it to compare.
    if "--restrict-key" in subprocess.run(pg_dump[:1] + ["--help"], stdout=subprocess.PIPE, text=True).stdout:
        pg_dump.append("--restrict-key=retortbench")

    root = o.keep or tempfile.mkdtemp(prefix="retort-upgrade-bench-")
    ok = True
    try:
        if o.keep:
            shutil.rmtree(root, ignore_errors=True)
        summary = json.loads(subprocess.check_output(
            [sys.executable, os.path.join(HERE, "gen_chain.py"), root, str(o.revisions)]))
        head = summary["head"]
        # alembic writes its __pycache__ as it does for its users (the warm-up run).
        alembic_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        # PostgreSQL's own psql, not Debian's Perl wrapper in /usr/bin (its start-up would
        # be counted in the floor).
        psql_bin = os.path.join(os.environ["PG_BIN"], "psql")
        if not os.access(psql_bin, os.X_OK):
            psql_bin = shutil.which("psql")
        script = os.path.join(root, "upgrade.sql")
        _, code, sql, err = run_once([o.alembic, "upgrade", "head", "--sql"], cwd=root, env=alembic_env)
        if code != 0:
            sys.exit(f"alembic upgrade head --sql failed (exit {code}):\n{err[-2000:]}")
        with open(script, "w") as f:
            f.write(sql)
        server = psql("postgres", "SHOW server_version")
        print(f"upgrade bench: {summary['revisions']} revisions, {summary['statements']} DDL statements "
              f"(+ version table bookkeeping, {sql.count('BEGIN;')} transactions), PostgreSQL {server}, "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

        floor, alembic, rt = Method("psql floor"), Method("alembic"), Method("retort native")
        methods = [floor, alembic, rt]
        seq = [0]

        def fresh_db(tag):
            seq[0] += 1
            name = f"bench_{tag}_{seq[0]}"
            psql("postgres", f"CREATE DATABASE {name}")
            return name

        def command(m, db):
            """The timed command for method m on database db (any untimed preparation done)."""
            if m is floor:
                return [psql_bin, "-X", "-q", "-o", "/dev/null", "-v", "ON_ERROR_STOP=1",
                        "-d", db, "-f", script], alembic_env
            if m is alembic:
                return [o.alembic, "upgrade", "head"], dict(alembic_env, DATABASE_URL=url(db))
            args = {"target": "head", "database_url": url(db), "engine": "native"}
            t, code, out, err = run_once([retort, "--project", root, "call", "upgrade", json.dumps(args)], cwd=root)
            m.plan_times.append(t)
            if code != 0:
                raise Failed(f"retort upgrade (plan) exit {code}: {(out + err)[-1500:]}")
            try:
                plan_id = json.loads(out)["plan_id"]
            except (ValueError, KeyError, TypeError):
                raise Failed(f"retort upgrade (plan): no plan_id in {out[-1500:]}")
            args["confirm"] = plan_id
            return [retort, "--project", root, "call", "upgrade", json.dumps(args)], os.environ

        def one_run(m, timed):
            if m.error:
                return
            db = fresh_db(m.name.split()[0])
            try:
                argv, env = command(m, db)
                t, code, out, err = run_once(argv, cwd=root, env=env)
                if code != 0:
                    raise Failed(f"exit {code}: {' '.join(argv[:4])} ...\n{(out + err)[-2000:]}")
                got = psql(db, "SELECT string_agg(version_num, ',') FROM alembic_version")
                if got != head:
                    raise Failed(f"the version table holds [{got}] after the run, not the head {head}")
                if timed:
                    m.times.append(t)
            except Failed as e:
                m.error = str(e)
            if m.last_db:
                psql("postgres", f"DROP DATABASE {m.last_db}")
            m.last_db = db

        if not o.no_warmup:
            for m in methods:
                one_run(m, timed=False)
        for k in range(o.runs):
            order = methods[k % 3:] + methods[:k % 3]
            for m in order:
                one_run(m, timed=True)

        for m in methods:
            if m.error:
                ok = False
                print(f"{m.name}: FAILED: {m.error}")
        if floor.times:
            f_ms = statistics.median(floor.times)
            parts = [f"floor (psql -f) {f_ms:.0f} ms"]
            for m in (alembic, rt):
                if m.times:
                    ms = statistics.median(m.times)
                    parts.append(f"{m.name} {ms:.0f} ms = {ms / f_ms:.2f}x floor")
                else:
                    parts.append(f"{m.name} n/a")
            print(f"upgrade head, median of {o.runs} runs (fresh database each): " + ", ".join(parts))
            if rt.times:
                ratio = statistics.median(rt.times) / f_ms
                small = " (too few revisions and runs to judge)" if o.revisions < 100 or o.runs < 3 else ""
                print(f"target: retort <= {TARGET:.2f}x floor: {'met' if ratio <= TARGET else 'NOT met'} "
                      f"({ratio:.2f}x){small}")
            else:
                print(f"target: retort <= {TARGET:.2f}x floor: not measured (retort failed)")
            for m in methods:
                if m.times:
                    print(f"  {m.name}: " + " ".join(f"{t:.0f}" for t in m.times) + " ms")
            print("  (retort: the confirm call, which checks the plan again and applies it; the plan "
                  "was asked for first, untimed. alembic and retort: one transaction per revision)")
            if rt.plan_times:
                print(f"  retort's plan call (no confirm): median {statistics.median(rt.plan_times):.0f} ms")

        # The three end states must be the same schema.
        dumps = {}
        for m in methods:
            if m.last_db and not m.error:
                dumps[m.name] = subprocess.run(pg_dump + ["-d", m.last_db],
                                               stdout=subprocess.PIPE, text=True, check=True).stdout
        names = list(dumps)
        if len(names) > 1:
            same = all(dumps[n] == dumps[names[0]] for n in names[1:])
            if same:
                print(f"schemas: {' == '.join(names)} (pg_dump --schema-only, {len(dumps[names[0]].splitlines())} lines)")
            else:
                ok = False
                for n in names[1:]:
                    if dumps[n] != dumps[names[0]]:
                        a, b = dumps[names[0]].splitlines(), dumps[n].splitlines()
                        k = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
                        print(f"schemas: {n} DIFFERS from {names[0]} at line {k + 1}:\n"
                              f"  {names[0]}: {a[k] if k < len(a) else '(end)'}\n  {n}: {b[k] if k < len(b) else '(end)'}")

        if not scratch_bench(retort, root, o.scratch_runs):
            ok = False
        return 0 if ok else 1
    finally:
        if not o.keep:
            shutil.rmtree(root, ignore_errors=True)


# ---- the scratch cluster

def scratch_env(d, tpl):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PG") and k not in ("DATABASE_URL", "RETORT_DATABASE_URL")}
    env["RETORT_SCRATCH_DIR"] = d
    env["RETORT_SCRATCH_TEMPLATE_DIR"] = tpl  # where retort keeps its initdb template
    return env


def postmaster_running(d):
    return bool(glob.glob(os.path.join(d, "**", "postmaster.pid"), recursive=True))


def wait_stopped(d, seconds=15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if not postmaster_running(d):
            return True
        time.sleep(0.02)
    return False


def status_call(retort, root, d, tpl):
    t, code, out, err = run_once([retort, "--project", root, "call", "status", "{}"], cwd=root,
                                 env=scratch_env(d, tpl))
    if code != 0:
        raise Failed(f"retort call status (scratch) exit {code}: {(out + err)[-1500:]}")
    try:
        db = json.loads(out)["database"]
    except (ValueError, KeyError, TypeError):
        raise Failed(f"retort call status: no database in {out[-1500:]}")
    if db.get("kind") != "scratch" or db.get("reachable") is not True:
        raise Failed(f"retort call status did not reach the scratch cluster: {json.dumps(db)[:800]}")
    return t


def scratch_bench(retort, root, runs):
    base = tempfile.mkdtemp(prefix="retort-scratch-bench-", dir="/tmp")
    os.chmod(base, 0o755)  # as root, the cluster runs as postgres and must reach it
    first, templated, restart, running = [], [], [], []
    holder = None

    def new_dir(name):
        d = os.path.join(base, name)
        os.mkdir(d)
        os.chmod(d, 0o755)
        return d

    def timed_status(d, tpl, into):
        into.append(status_call(retort, root, d, tpl))
        if not wait_stopped(d):
            raise Failed(f"the scratch cluster in {d} still runs after retort exited")

    try:
        # First start ever: no template either (initdb, then the cluster).
        for k in range(runs):
            timed_status(new_dir(f"fresh{k}"), new_dir(f"tpl{k}"), first)
        # First start of another project: the template exists.
        tpl = os.path.join(base, "tpl0")
        for k in range(runs):
            d = new_dir(f"copy{k}")
            timed_status(d, tpl, templated)
        # The same project again, its cluster stopped.
        for k in range(runs):
            timed_status(d, tpl, restart)
        # Another retort process (an MCP server that made one call) keeps it running.
        holder = subprocess.Popen([retort, "mcp", "--project", root], cwd=root, env=scratch_env(d, tpl),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True)
        for msg in ({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                     "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                                "clientInfo": {"name": "upgrade-bench", "version": "1"}}},
                    {"jsonrpc": "2.0", "method": "notifications/initialized"},
                    {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                     "params": {"name": "status", "arguments": {}}}):
            holder.stdin.write(json.dumps(msg) + "\n")
            holder.stdin.flush()
        for _ in range(2):
            if not holder.stdout.readline():
                raise Failed("the holding `retort mcp` exited early")
        if not postmaster_running(d):
            raise Failed("the holding `retort mcp` did not start the scratch cluster")
        for k in range(runs):
            running.append(status_call(retort, root, d, tpl))
        if not postmaster_running(d):
            raise Failed("a status call stopped the scratch cluster that another retort still uses")
        run_ms = statistics.median(running)
        f_ms, t_ms, r_ms = (statistics.median(x) for x in (first, templated, restart))
        print(f"scratch cluster: first start {f_ms - run_ms:.0f} ms (no template yet), "
              f"{t_ms - run_ms:.0f} ms (template exists), restart {r_ms - run_ms:.0f} ms; "
              f"a status call on the running cluster ({run_ms:.0f} ms) subtracted from "
              f"retort call status on a fresh directory ({f_ms:.0f} / {t_ms:.0f} ms) and on a "
              f"stopped cluster ({r_ms:.0f} ms); median of {runs} each")
        return True
    except Failed as e:
        print(f"scratch cluster: FAILED: {e}")
        return False
    finally:
        if holder:
            holder.stdin.close()
            try:
                holder.wait(timeout=15)
            except subprocess.TimeoutExpired:
                holder.kill()
                holder.wait()
        for d in glob.glob(os.path.join(base, "*")):
            if not wait_stopped(d, 10):
                # retort failed to stop it: stop it here, never leave a postmaster behind
                for pid_file in glob.glob(os.path.join(d, "**", "postmaster.pid"), recursive=True):
                    pg_ctl = [os.path.join(os.environ["PG_BIN"], "pg_ctl"), "-D", os.path.dirname(pid_file),
                              "-m", "immediate", "-w", "stop"]
                    if os.geteuid() == 0:
                        pg_ctl = ["runuser", "-u", "postgres", "--"] + pg_ctl
                    subprocess.run(pg_ctl, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
